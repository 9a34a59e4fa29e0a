"""One light, quiet style for the workspace: white cards on a soft grey, one accent colour."""

ACCENT = "#2f5fd0"

STYLE = f"""
#workspaceView, #welcome, #promptTab {{ background: #f6f7f9; }}
#promptBrowser {{ background: #eef0f3; }}
#promptTree {{ background: transparent; border: none; font-size: 13px; }}
#promptTree::item {{ padding: 3px 2px; }}
#promptTree::item:selected {{ background: #dde6fb; color: #1f2937; border-radius: 4px; }}

QLabel#sectionTitle {{ color: #6b7280; font-size: 12px; font-weight: 600; }}
QLabel#emptyState {{ color: #6b7280; font-size: 13px; padding: 18px 8px; }}
QLabel#welcomeTitle {{ font-size: 19px; font-weight: 600; color: #1f2937; }}
QLabel#welcomeBody {{ color: #4b5563; font-size: 13px; }}
QLabel#tabTitle {{ font-size: 17px; font-weight: 600; color: #111827; }}
QLabel#versionChip {{ color: #4b5563; background: #eceff3; border-radius: 9px;
    padding: 2px 9px; font-size: 12px; }}
QLabel#changedChip {{ color: #b54708; font-size: 12px; }}
QLabel#problemLabel {{ color: #b54708; font-size: 12px; }}
QLabel#hint, QLabel#variableDescription {{ color: #6b7280; font-size: 12px; }}
QLabel#variableName {{ font-weight: 600; color: #5b34a0; font-size: 13px; }}
QLabel#messageNumber {{ color: #9ca3af; font-size: 11px; }}
QLabel#messageWarning {{ color: #93370d; background: #fffaeb; padding: 6px 10px; }}
QLabel#previewRole {{ color: #6b7280; font-size: 11px; font-weight: 600; }}
QLabel#previewNote {{ color: #4b5563; font-size: 12px; padding: 2px 2px 4px 2px; }}
QLabel#previewNote[problem="true"] {{ color: #b42318; background: #fef3f2; padding: 10px;
    border-radius: 6px; }}
QLabel#stats {{ color: #4b5563; font-size: 12px; }}
QLabel#findCount {{ color: #6b7280; font-size: 12px; }}
QLabel#keychainNotice {{ color: #93370d; background: #fffaeb; border: 1px solid #fedf89;
    border-radius: 6px; padding: 8px 10px; }}
QLabel#providerStatus[kind="error"] {{ color: #b42318; }}
QLabel#providerStatus[kind="success"] {{ color: #067647; }}
QLabel#fieldProblem {{ color: #b42318; }}

#messageCard, #modelColumn, #variableField QTextEdit {{
    background: white; border: 1px solid #e3e6ea; border-radius: 8px; }}
#variableField {{ background: transparent; }}
#variableField[attention="true"] QTextEdit {{ border: 2px solid #f79009; }}
#modelColumn[primary="true"] {{ border: 1px solid #9db4ee; }}
#messageCard QTextEdit, #modelColumn QTextEdit {{ background: white; border: none; }}
#modelColumn QTextEdit#replyBox {{ background: #f9fafb; border: 1px solid #e3e6ea;
    border-radius: 6px; }}
#columnSettings {{ background: #f9fafb; border: 1px solid #eceff3; border-radius: 6px; }}
#messageList, #messageListInner, #previewPane, #previewInner, #variablesInner,
#variablesPanel, #variablesScroll, #variablesViewport {{ background: transparent; }}
#messageBar {{ border-radius: 6px; border: 1px solid #c7d7fe; background: #eef4ff; }}
#messageBar[kind="success"] {{ border-color: #abefc6; background: #ecfdf3; }}
#messageBar[kind="warning"] {{ border-color: #fedf89; background: #fffaeb; }}
#messageBar[kind="error"] {{ border-color: #fecdca; background: #fef3f2; }}
#errorPanel {{ background: #fffbfa; }}
QLabel#errorTitle {{ color: #b42318; font-size: 14px; font-weight: 600; }}
QLabel#errorHint {{ color: #1f2937; font-size: 13px; }}
#errorPanel QLabel {{ color: #4b5563; }}
#findBar {{ background: white; border: 1px solid #e3e6ea; border-radius: 8px; }}

QPushButton#runAllButton, QPushButton#runButton {{ background: {ACCENT}; color: white;
    border: none; border-radius: 6px; padding: 5px 14px; font-weight: 600; }}
QPushButton#runAllButton:hover, QPushButton#runButton:hover {{ background: #284fb0; }}
QPushButton#runAllButton:disabled, QPushButton#runButton:disabled {{ background: #9db4ee; }}
QPushButton#addMessage {{ color: {ACCENT}; background: transparent; border: 1px dashed #b9c7ea;
    border-radius: 6px; padding: 5px 14px; }}
QToolButton#addColumn {{ color: {ACCENT}; font-size: 18px; border: 1px dashed #b9c7ea;
    border-radius: 6px; min-width: 26px; min-height: 60px; }}
QToolButton#linkButton {{ color: #4b5563; border: none; font-size: 12px; }}
QToolButton#linkButton:hover {{ color: {ACCENT}; }}
QToolButton#segment {{ border: 1px solid #d0d5dd; padding: 4px 12px; background: white;
    color: #374151; }}
QToolButton#segment:checked {{ background: #e8eefc; color: #1d3f99; border-color: #9db4ee; }}
QToolButton#starButton {{ color: #d0a200; font-size: 16px; }}
QToolButton#cardButton {{ color: #6b7280; }}
QToolButton#moreButton {{ font-size: 15px; padding: 0 4px; }}
QToolButton#moreButton::menu-indicator {{ image: none; width: 0; }}
QComboBox#roleBox {{ font-weight: 600; color: #374151; }}
QTabWidget#promptTabs::pane {{ border: none; }}
QTabBar::tab {{ padding: 6px 14px; }}
"""
