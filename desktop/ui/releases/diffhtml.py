"""A prompt's change between two releases as rich text for a QTextBrowser. Pure functions.

Deleted text is struck through on red, inserted text underlined on green, and invisible
characters in changed text are drawn (space `·`, tab `→`, line end `↵`, zero-width and other
special characters by name), so a reviewer sees exactly what will be served. Right-to-left
text keeps its logical order; each block takes its direction from its first strong character.
"""

from __future__ import annotations

import html
import json
import unicodedata
from typing import Any

from desktop.core.diff import Change, MessageStatus, visible
from desktop.core.releases.changes import Kind, PromptChange
from storage.releases.content import PromptContent

DELETED = "background-color:#fee4e2; color:#912018; text-decoration:line-through;"
INSERTED = "background-color:#d1fadf; color:#05603a; text-decoration:underline;"
TEXT = "white-space:pre-wrap; font-family:monospace; margin:2px 0 8px 0;"
MUTED = "color:#6b7280;"


def direction(text: str) -> str:
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def _e(text: str) -> str:
    return html.escape(text, quote=False)


def _block(inner: str, plain: str, style: str = TEXT) -> str:
    return f'<p dir="{direction(plain)}" style="{style}">{inner}</p>'


def _changed_text(text: str) -> str:
    drawn = visible(text, spaces=True, newlines=False).replace("\n", "↵\n")
    return _e(drawn)


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def content_html(content: PromptContent, *, muted: bool = False) -> str:
    """A whole prompt: model, parameters, each message."""
    style = MUTED if muted else ""
    parts = [f'<p style="{style}"><b>Model</b> {_e(content.model or "(not set)")}'
             + (f" &nbsp; <b>Parameters</b> {_e(_value(content.parameters))}"
                if content.parameters else "") + "</p>"]
    for i, message in enumerate(content.messages, 1):
        parts.append(f'<p style="{style} margin-bottom:0"><b>Message {i} '
                     f'({_e(message.role)})</b></p>')
        parts.append(_block(_e(message.content), message.content, TEXT + style))
    return "".join(parts)


def change_html(change: PromptChange) -> str:
    head = (f'<h3 dir="{direction(change.name)}">{_e(change.name)}</h3>')
    old, new = (change.old_id or "")[:12], (change.new_id or "")[:12]
    if change.kind is Kind.ADDED:
        return (head + f'<p><b>New in this release</b> (version {new}). Its full text:</p>'
                + content_html(change.new))  # type: ignore[arg-type]
    if change.kind is Kind.REMOVED:
        return (head + f'<p><b>Removed:</b> apps reading this channel will no longer find this '
                f'prompt (live version {old}). It was:</p>'
                + content_html(change.old, muted=True))  # type: ignore[arg-type]
    if change.kind is Kind.UNCHANGED:
        return head + f'<p style="{MUTED}">Same version as the live release ({new}).</p>'
    diff = change.diff()
    assert diff is not None
    parts = [head, f'<p>Changed: live version <b>{old}</b> → <b>{new}</b>. '
             f'<span style="{DELETED}">Struck-through</span> text goes, '
             f'<span style="{INSERTED}">underlined</span> text comes.</p>']
    for field in diff.fields:
        parts.append(f'<p><b>{_e(field.path)}</b> {field.kind.value}: '
                     f'<span style="{DELETED}">{_e(_value(field.old))}</span> → '
                     f'<span style="{INSERTED}">{_e(_value(field.new))}</span>'
                     + "".join(f"<br/><i>{_e(n)}</i>" for n in field.notes) + "</p>")
    for message in diff.messages:
        label = message.label[0].upper() + message.label[1:]
        if message.status is MessageStatus.UNCHANGED:
            parts.append(f'<p style="{MUTED}">{_e(label)}: unchanged</p>')
            continue
        roles = (f" (role {message.old_role} → {message.new_role})"
                 if message.old_role and message.new_role and message.old_role != message.new_role
                 else "")
        parts.append(f'<p style="margin-bottom:0"><b>{_e(label)}</b>: '
                     f'{message.status.value}{_e(roles)}</p>')
        inner = []
        for segment in message.text.inline:
            if segment.kind is Change.EQUAL:
                inner.append(_e(segment.text))
            elif segment.kind is Change.DELETE:
                inner.append(f'<span style="{DELETED}">{_changed_text(segment.text)}</span>')
            else:
                inner.append(f'<span style="{INSERTED}">{_changed_text(segment.text)}</span>')
        plain = message.text.b or message.text.a
        parts.append(_block("".join(inner), plain))
        for note in message.text.notes:
            parts.append(f'<p style="{MUTED}"><i>{_e(note)}</i></p>')
    return "".join(parts)
