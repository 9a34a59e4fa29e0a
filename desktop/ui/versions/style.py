"""Colours of the version screens: two shades per side (word, character), amber for whitespace."""

from ..theme import ACCENT

COLORS = {
    # changed words (light) and the very characters that differ (strong)
    "del_word": "#ffd8d3",
    "del_strong": "#ff9b90",
    "ins_word": "#cdf3d6",
    "ins_strong": "#7fdc98",
    "del_text": "#912018",
    # whitespace and invisible characters that changed: hard to see, so loud
    "ws": "#fde9b4",
    "ws_strong": "#f5b53d",
    "ws_text": "#6b2a07",
    "ws_ring": "#dc6803",
    # rows
    "del_row": "#fff3f1",
    "ins_row": "#effbf2",
    "mixed_row": "#f7f8fa",
    "filler": "#f4f5f7",
    "filler_hatch": "#dfe2e7",
    "header": "#eceff3",
    "header_text": "#344054",
    "fold": "#f8f9fb",
    "fold_text": "#667085",
    "marker": "#98a2b3",
    "note": "#b54708",
    "current": ACCENT,
    "gutter": "#f8f9fb",
    "gutter_text": "#98a2b3",
    "sign_del": "#d92d20",
    "sign_ins": "#079455",
}

STYLE = f"""
#diffView, #historyPanel {{ background: #f6f7f9; }}
QLabel#diffSummary {{ border-radius: 6px; padding: 8px 12px; font-size: 13px;
    border: 1px solid #c7d7fe; background: #eef4ff; color: #1d2939; }}
QLabel#diffSummary[kind="whitespace"] {{ border: 2px solid #f5b53d; background: #fffaeb;
    color: #6b2a07; font-weight: 600; }}
QLabel#diffSummary[kind="same"] {{ border-color: #d0d5dd; background: #f9fafb; color: #475467; }}
QLabel#paneTitle {{ color: #344054; font-size: 12px; font-weight: 600; padding: 4px 2px; }}
QLabel#legend {{ color: #475467; font-size: 12px; }}
QLabel#sectionTitle {{ color: #6b7280; font-size: 12px; font-weight: 600; }}
QLabel#emptyState {{ color: #6b7280; font-size: 13px; padding: 18px 8px; }}
#diffPanes QTextEdit, #changesList, #settingsChanges, #historyTable {{ background: white;
    border: 1px solid #e3e6ea; border-radius: 6px; }}
QToolButton#segment {{ border: 1px solid #d0d5dd; padding: 4px 12px; background: white;
    color: #374151; }}
QToolButton#segment:checked {{ background: #e8eefc; color: #1d3f99; border-color: #9db4ee; }}
QToolButton#navButton {{ padding: 4px 10px; }}
"""

LEGEND = (
    "<b>Marks:</b> "
    f"<span style='background:{COLORS['del_word']}'>&nbsp;removed&nbsp;</span> "
    f"<span style='background:{COLORS['del_strong']}'>&nbsp;removed letters&nbsp;</span> "
    f"<span style='background:{COLORS['ins_word']}'>&nbsp;added&nbsp;</span> "
    f"<span style='background:{COLORS['ins_strong']}'>&nbsp;added letters&nbsp;</span> "
    f"<span style='background:{COLORS['ws_strong']};color:{COLORS['ws_text']}'>"
    "&nbsp;<b>whitespace</b>&nbsp;</span>"
    "&nbsp;&nbsp;&nbsp;<b>Invisible characters:</b> "
    "<b>·</b> space &nbsp; <b>→</b> tab &nbsp; <b>␍</b> carriage return (CRLF) "
    "&nbsp; <b>↵</b> line break &nbsp; <b>⍽</b> no-break space &nbsp; "
    "<b>[ZWSP]</b> zero-width space &nbsp; (hover for more)"
)
LEGEND_TIP = (
    "Invisible characters are drawn so that a change in them can be seen:\n"
    "·  an ordinary space (only inside changed text)\n"
    "→  a tab\n"
    "␍  a carriage return: the first half of a Windows (CRLF) line ending\n"
    "↵  a line break that was added or removed\n"
    "⍽  a no-break space (U+00A0); [NNBSP] a narrow no-break space\n"
    "[ZWSP]  zero-width space, [ZWJ] / [ZWNJ] zero-width joiner / non-joiner,\n"
    "[BOM]  byte order mark, [LRM] / [RLM] direction marks, [U+XXXX] other invisible characters\n"
    "Tabs, no-break and zero-width spaces are marked in unchanged text too."
)
