"""A tab's editor state as plain data: what a draft stores and what a version is made from.

No Qt here. The tab widget reads its widgets into a `TabState`, the draft stores
`TabState.to_json()`, and `to_content()` turns it into the `PromptContent` a version is saved from.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from storage.releases.content import (
    ContentError,
    Message,
    PromptContent,
    Variable,
    version_id,
)

DRAFT_FORMAT = "promptpress.draft/1"
# Per-column settings the playground shows; None means "the provider's default".
PARAMETERS = ("temperature", "max_tokens", "top_p", "stop", "seed")
MAX_RUNS_KEPT = 12  # per column, in the draft
MAX_COLUMNS = 6


@dataclass
class RunRecord:
    """One answer in a column (or its failure), kept so a rerun can be compared with it."""

    provider: str
    model: str
    started: str  # ISO time, local
    status: str = "running"  # running, done, failed, cancelled
    output: str = ""
    turns: list[dict[str, str]] = field(default_factory=list)  # conversation before this answer
    params: dict[str, Any] = field(default_factory=dict)
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    latency_s: float | None = None
    ttft_s: float | None = None
    finish_reason: str | None = None
    error_kind: str | None = None
    error_title: str | None = None
    error_message: str | None = None
    error_hint: str | None = None
    retry_after: float | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RunRecord":
        known = {f.name for f in fields(cls)}
        record = cls(**{k: v for k, v in data.items() if k in known})
        if record.status == "running":  # the app stopped while it ran
            record.status = "cancelled"
        if not isinstance(record.output, str):
            record.output = ""
        record.turns = [t for t in record.turns if isinstance(t, dict)
                        and t.get("role") in ("user", "assistant")
                        and isinstance(t.get("content"), str)] if isinstance(record.turns, list) else []
        return record


@dataclass
class ColumnState:
    """One model column: which provider, its parameters, and its runs (a conversation is a
    run whose `turns` hold the exchanges before its answer)."""

    provider: str | None = None
    model: str = ""  # the litellm model id this column stands for (kept even with no provider)
    params: dict[str, Any] = field(default_factory=dict)
    response_format: dict[str, Any] | None = None
    runs: list[RunRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["runs"] = [asdict(r) for r in self.runs[-MAX_RUNS_KEPT:]]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ColumnState":
        params = {k: v for k, v in (data.get("params") or {}).items() if k in PARAMETERS}
        return cls(
            provider=data.get("provider") or None,
            model=str(data.get("model") or ""),
            params=params,
            response_format=data.get("response_format"),
            runs=[RunRecord.from_dict(r) for r in data.get("runs") or () if isinstance(r, dict)],
        )


@dataclass
class TabState:
    """Everything a tab holds that a draft must bring back after a restart or a crash."""

    name: str = ""
    description: str = ""
    messages: list[tuple[str, str]] = field(default_factory=list)  # (role, text)
    variables: list[Variable] = field(default_factory=list)  # declared, with descriptions
    template_format: str = "jinja2"
    tools: list[Any] | None = None
    values: dict[str, str] = field(default_factory=dict)
    columns: list[ColumnState] = field(default_factory=lambda: [ColumnState()])
    primary: int = 0  # the column whose model and parameters are saved with the prompt
    show_whitespace: bool = False
    # Version parameters the playground does not show (presence_penalty...), kept as they were.
    extra_params: dict[str, Any] = field(default_factory=dict)

    # -- draft JSON -------------------------------------------------------------------------
    def to_json(self) -> str:
        data = {
            "format": DRAFT_FORMAT,
            "name": self.name,
            "description": self.description,
            "messages": [{"role": r, "content": t} for r, t in self.messages],
            "variables": [asdict(v) for v in self.variables],
            "template_format": self.template_format,
            "tools": self.tools,
            "values": self.values,
            "columns": [c.to_dict() for c in self.columns],
            "primary": self.primary,
            "show_whitespace": self.show_whitespace,
            "extra_params": self.extra_params,
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "TabState":
        """Read a draft's state; anything unreadable falls back to an empty default."""
        try:
            data = json.loads(text or "{}")
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        messages = [
            (m["role"], m["content"]) for m in data.get("messages") or ()
            if isinstance(m, dict) and isinstance(m.get("role"), str)
            and isinstance(m.get("content"), str)
        ]
        variables = []
        for v in data.get("variables") or ():
            if isinstance(v, dict) and isinstance(v.get("name"), str):
                default = v.get("default")
                variables.append(Variable(v["name"], str(v.get("description") or ""),
                                          default if isinstance(default, str) else None))
        columns = [ColumnState.from_dict(c) for c in data.get("columns") or ()
                   if isinstance(c, dict)] or [ColumnState()]
        primary = data.get("primary", 0)
        values = {k: v for k, v in (data.get("values") or {}).items()
                  if isinstance(k, str) and isinstance(v, str)}
        return cls(
            name=str(data.get("name") or ""),
            description=str(data.get("description") or ""),
            messages=messages,
            variables=variables,
            template_format=str(data.get("template_format") or "jinja2"),
            tools=data.get("tools") if isinstance(data.get("tools"), list) else None,
            values=values,
            columns=columns,
            primary=primary if isinstance(primary, int) and 0 <= primary < len(columns) else 0,
            show_whitespace=bool(data.get("show_whitespace", False)),
            extra_params=dict(data.get("extra_params") or {}),
        )

    # -- versions ---------------------------------------------------------------------------
    @classmethod
    def from_content(cls, content: PromptContent, *, name: str, description: str = "",
                     provider: str | None = None) -> "TabState":
        """A fresh tab on a saved version: one column with the version's model and settings."""
        column = ColumnState(
            provider=provider,
            model=content.model,
            params={k: v for k, v in content.parameters.items() if k in PARAMETERS},
            response_format=content.response_format,
        )
        return cls(
            name=name,
            description=description,
            messages=[(m.role, m.content) for m in content.messages],
            variables=list(content.variables),
            template_format=content.template_format,
            tools=content.tools,
            columns=[column],
            primary=0,
            extra_params=hidden_parameters(content),
        )

    def primary_column(self) -> ColumnState:
        return self.columns[self.primary if 0 <= self.primary < len(self.columns) else 0]

    def to_content(self, used_variables: list[str] = ()) -> PromptContent:
        """The version this tab would save. Raises ContentError when it cannot be one.

        Variables the messages use but nobody declared are declared after the declared ones,
        as prompt files do (`promptfile.with_detected_variables`).
        """
        column = self.primary_column()
        parameters = dict(self.extra_params)
        parameters.update(column.params)
        declared = {v.name for v in self.variables}
        variables = [*self.variables, *(Variable(n) for n in used_variables if n not in declared)]
        return PromptContent(
            messages=tuple(Message(r, t) for r, t in self.messages),
            model=column.model,
            parameters=parameters,
            variables=tuple(variables),
            template_format=self.template_format,
            response_format=column.response_format,
            tools=self.tools,
        )

    def content_id(self, used_variables: list[str] = ()) -> str | None:
        """The version id this tab's content would get, or None when it is not valid content."""
        try:
            return version_id(self.to_content(used_variables))
        except ContentError:
            return None


def hidden_parameters(content: PromptContent) -> dict[str, Any]:
    """A version's parameters that the playground does not show per column (kept as they are)."""
    return {k: v for k, v in content.parameters.items() if k not in PARAMETERS}
