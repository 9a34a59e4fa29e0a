"""Logging calls from the engineers' application: `Reader.log`, `Reader.feedback`, `log_stats`.

    reader = Reader(source, root, log_to="/shared/promptpress-logs")   # or an http(s) URL
    messages = reader.get("support/summarize-call").render(transcript=text)
    reply = client.chat.completions.create(model=..., messages=messages)
    log_id = reader.log(messages, output=reply.choices[0].message.content,
                        model=reply.model, latency_ms=elapsed_ms, tokens=reply.usage)
    ...
    reader.feedback(log_id, rating=False, comment="made up an order number")

Off unless `log_to` is given. `log()` costs a few microseconds in the calling thread and never
raises; the record is written by a background thread (see logwriter). Each record names the
project, channel, release, prompt and version id, so the author's workspace knows exactly what
produced it. Records go to a folder or URL of their own, never inside the signed release tree.
"""

from __future__ import annotations

import logging
import os
import weakref
from pathlib import Path
from typing import Any

from .logwriter import LogStats, LogWriter, Redact

log = logging.getLogger("promptpress_reader")


class Rendered(list):
    """What `Prompt.render()` returns: the messages (a list of {"role", "content"} dicts, to pass
    to a client as they are), remembering the prompt and the variables that made them, so that
    `reader.log(messages, output=...)` needs nothing else."""

    __slots__ = ("prompt", "variables")

    def __init__(self, messages: list[dict[str, str]], prompt: Any,
                 variables: dict[str, Any]) -> None:
        super().__init__(messages)
        self.prompt = prompt
        self.variables = variables

    def __reduce__(self) -> Any:  # pickles and copies as the plain list it is
        return (list, (list(self),))


class CallLogging:
    """The logging half of `Reader` (mixed in): set up by `_setup_logging` from its options."""

    _log_writer: LogWriter | None = None
    _log_final: LogStats | None = None  # after close: what the writer did

    def _setup_logging(self, log_to: "str | os.PathLike[str] | None", source: Any, *,
                       project: str, channel: str, redact: Redact | None, sample_rate: float,
                       flush_interval: float, queue_size: int) -> None:
        if log_to is None:
            return
        location = _log_location(log_to, source)
        writer = LogWriter(location, project=project, channel=channel, redact=redact,
                           sample_rate=sample_rate, flush_interval=flush_interval,
                           max_queue=queue_size)
        self._log_writer = writer
        weakref.finalize(self, writer.close)

    def log(self, prompt: Any, variables: Any = None, output: Any = None, *, model: Any = None,
            latency_ms: Any = None, tokens: Any = None, error: Any = None,
            metadata: Any = None) -> str | None:
        """Record one model call; returns its log id (for `feedback`), or None when the call is
        not logged (logging off, sampled out, queue full: see `log_stats`). Never raises.

        `prompt`: what `render()` returned, or the Prompt (then pass `variables`), or its name.
        `output`: the model's text; `tokens`: a count, a mapping or the client's usage object;
        `error`: an exception or text for a failed call; `metadata`: a dict of your own
        (user id, request id...). Values are copied one level deep; do not change nested ones
        afterwards (the record is encoded in the background)."""
        writer = self._log_writer
        if writer is None:
            return None
        try:
            if type(prompt) is Rendered:
                if variables is None:
                    variables = prompt.variables
                prompt = prompt.prompt
            elif isinstance(prompt, str):
                prompt = self.get(prompt)  # type: ignore[attr-defined]
            what = (prompt.name, prompt.version_id, prompt.release)  # AttributeError: not one
            if variables is not None:
                variables = dict(variables)
            if metadata is not None:
                metadata = dict(metadata)
            if isinstance(tokens, dict):
                tokens = dict(tokens)
            return writer.call(what, variables, output, model, latency_ms, tokens, error,
                               metadata)
        except Exception as exc:  # never into the application
            writer._count("rejected")
            writer._error(f"log() was called with something it cannot log: "
                          f"{type(exc).__name__}: {exc}", "call")
            return None

    def feedback(self, log_id: str | None, *, rating: Any = None, label: Any = None,
                 comment: Any = None, corrected_output: Any = None,
                 metadata: Any = None) -> str | None:
        """Attach feedback to a logged call, from this process or any other logging to the same
        place. `rating`: True/False, a number whose sign decides (-1..1), or a word (positive,
        negative, neutral, good, bad, up, down...). Returns the feedback's id, or None when it
        is not logged (logging off, no log id, queue full). Never raises."""
        writer = self._log_writer
        if writer is None or log_id is None:
            return None
        try:
            return writer.feedback(str(log_id), rating, label, comment, corrected_output,
                                   None if metadata is None else dict(metadata))
        except Exception as exc:
            writer._count("rejected")
            writer._error(f"feedback() could not be logged: {type(exc).__name__}: {exc}",
                          "feedback")
            return None

    @property
    def log_stats(self) -> LogStats:
        """Counts of what was logged, written, dropped... in this process (all zero when off)."""
        writer = self._log_writer
        if writer is None:
            return self._log_final or LogStats()
        return writer.stats()

    def flush_logs(self, timeout: float | None = None) -> bool:
        """Write every call logged so far now; True when done within `timeout` seconds."""
        writer = self._log_writer
        return True if writer is None else writer.flush(timeout)

    def _close_logging(self) -> None:
        writer, self._log_writer = self._log_writer, None
        if writer is not None:
            writer.close()
            self._log_final = writer.stats()


def _log_location(log_to: "str | os.PathLike[str]", source: Any) -> str:
    """The sink as an absolute folder or a URL with a trailing slash; never inside the release
    tree (the reader's source), whose every file is signed and which authors publish over."""
    text = os.fspath(log_to)
    if text.startswith(("http://", "https://")):
        location = text.rstrip("/") + "/"
        if isinstance(source, str) and source.startswith(("http://", "https://")):
            base = source.rstrip("/") + "/"
            if location.startswith(base):
                raise ValueError(f"log_to={text!r} is inside the release repository {source!r}; "
                                 "log to a URL of its own (e.g. a logs/ path beside it)")
        return location
    if "://" in text:
        raise ValueError(f"log_to={text!r}: use a folder or an http(s) URL")
    folder = Path(text).expanduser().absolute()
    if isinstance(source, (str, os.PathLike)) and "://" not in os.fspath(source):
        tree = Path(os.fspath(source)).expanduser().absolute()
        resolved, tree_resolved = _resolve(folder), _resolve(tree)
        if resolved == tree_resolved or tree_resolved in resolved.parents:
            raise ValueError(f"log_to={text!r} is inside the release repository {tree}; log to "
                             "a folder of its own (e.g. a logs folder beside it)")
    return str(folder)


def _resolve(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path
