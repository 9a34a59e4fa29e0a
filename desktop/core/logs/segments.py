"""Reading one segment: its records, and a problem for each file or line that is skipped.

Logs are data from outside: every line is parsed as JSON (no NaN or Infinity), checked field
by field, and kept as text; nothing in them is ever run or rendered. A line longer
than the format allows is skipped without being held in memory. What becomes of the segment:

    done      the end line's count and checksum match: its valid records are imported
    partial   no end line yet (still syncing, or copied short): complete lines are imported and
              the segment is read again when its size changes
    foreign   it belongs to another project: nothing imported
    damaged   not a segment, a newer format, or a checksum that does not match: nothing imported
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from storage.releases.logformat import (MAX_LINE_BYTES, RecordError, check_end, check_header,
                                        check_record)
from .errors import Problem


@dataclass
class ParsedSegment:
    path: str
    status: str = "damaged"
    project: str | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    size: int = 0  # bytes read

    @property
    def records(self) -> int:
        return len(self.calls) + len(self.feedback)


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _no_constant(name: str) -> Any:
    raise RecordError(f"{name} is not a number JSON allows")


# Built once: json.loads with an argument builds a decoder (and its scanner) at every call.
_decode = json.JSONDecoder(parse_constant=_no_constant).decode


def _parse(line: bytes) -> Any:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"not valid UTF-8 (byte {exc.start + 1})") from None
    try:
        # Plain dicts (C speed): a key given twice keeps its last value. Nothing here is
        # signed or read by a second parser, so there is no parser differential to fear.
        value = _decode(text)
    except RecordError:
        raise
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"not valid JSON ({exc})") from None
    if _SURROGATE_ESCAPE.search(line):  # rare: escaped pairs are fine, a lone half is not text
        for item in _strings(value):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise RecordError("a text holds half of a surrogate pair (not Unicode text)") \
                    from None
    return value


class _Lines:
    """Split chunks on b"\\n" only, holding at most MAX_LINE_BYTES of one line. Yields
    (line number, the line without its newline or None when it is too long, its length,
    whether a newline ended it). Every byte, skipped or not, counts in `size`."""

    def __init__(self, chunks: Iterable[bytes], limit: int = MAX_LINE_BYTES) -> None:
        self.chunks, self.limit, self.size = chunks, limit, 0
        self.hasher: Any = None  # takes the bytes of lines too long, for the checksum

    def __iter__(self) -> Iterator[tuple[int, bytes | None, int, bool]]:
        limit, number = self.limit, 0
        carry, huge, length = b"", False, 0  # the line not ended yet (unless it is too long)
        for chunk in self.chunks:
            self.size += len(chunk)
            pieces = chunk.split(b"\n")  # in C: most of a segment's lines never touch Python
            rest = pieces.pop()
            for piece in pieces:
                number += 1
                if huge:
                    self._hash(piece + b"\n")
                    yield number, None, length + len(piece), True
                else:
                    line = carry + piece if carry else piece
                    if len(line) > limit:
                        self._hash(line + b"\n")
                        yield number, None, len(line), True
                    else:
                        yield number, line, len(line), True
                carry, huge, length = b"", False, 0
            if huge:
                self._hash(rest)
                length += len(rest)
            elif rest:
                carry += rest
                if len(carry) > limit:
                    self._hash(carry)
                    carry, huge, length = b"", True, len(carry)
        if huge or carry:
            yield number + 1, None if huge else carry, length if huge else len(carry), False

    def _hash(self, data: bytes) -> None:
        if self.hasher is not None:
            self.hasher.update(data)


def parse_segment(chunks: Iterable[bytes], path: str, *, project: str) -> ParsedSegment:
    """Read a segment found under `project`'s folder (or the project the sink is for)."""
    out = ParsedSegment(path)
    lines = _Lines(chunks)
    digest = hashlib.sha256()
    body_lines, ended = 0, False
    for number, line, length, complete in lines:
        if number == 1:
            if line is None:
                return _stop(out, lines, None, "the first line is not a segment header (it is "
                             f"{length:,} bytes long): not a Promptpress log, skipped")
            try:
                value = _parse(line)
            except RecordError as exc:
                return _stop(out, lines, 1, f"not a Promptpress log segment (the first line is "
                             f"{exc}): skipped")
            try:
                header = check_header(value)
            except RecordError as exc:
                return _stop(out, lines, 1, f"{exc}: the segment was skipped")
            out.project = header["project"]
            if header["project"] != project:
                out.status = "foreign"
                return _stop(out, lines, None,
                             f"a segment of the project {header['project']!r} in the logs of "
                             f"{project!r}: skipped", status="foreign")
            lines.hasher = digest
            continue
        if ended:
            out.problems.append(Problem(path, number, "a line after the end line: ignored"))
            continue
        if line is None:
            body_lines += 1
            out.problems.append(Problem(
                path, number, f"a line of {length:,} bytes, over the {MAX_LINE_BYTES:,}-byte "
                              "limit: skipped"))
            continue
        if not complete:  # the last line, cut short
            digest.update(line)
            out.problems.append(Problem(path, number, "the last line is cut off: skipped"))
            continue
        try:
            value = _parse(line)
            end = check_end(value)
        except RecordError as exc:
            digest.update(line + b"\n")
            body_lines += 1
            out.problems.append(Problem(path, number, f"{exc}: skipped"))
            continue
        if end is not None:
            ended = True
            if end["records"] != body_lines or end["sha256"] != digest.hexdigest():
                out.calls.clear()
                out.feedback.clear()
                return _stop(out, lines, number, "the segment was changed after it was "
                             "written (its end line's count or checksum does not match): "
                             "nothing in it was imported")
            lines.hasher = None
            continue
        digest.update(line + b"\n")
        body_lines += 1
        try:
            record = check_record(value)
        except RecordError as exc:
            out.problems.append(Problem(path, number, f"{exc}: skipped"))
            continue
        if record["project"] != out.project:
            out.problems.append(Problem(path, number, f"a record of the project "
                                        f"{record['project']!r} in a segment of "
                                        f"{out.project!r}: skipped"))
            continue
        (out.calls if record["kind"] == "call" else out.feedback).append(record)
    out.size = lines.size
    if out.project is None:
        return _stop(out, lines, None, "the file is empty: skipped", status="partial")
    if ended:
        out.status = "done"
    else:
        out.status = "partial"
        out.problems.append(Problem(path, None, f"no end line yet (still being copied, or cut "
                                    f"short): {out.records} record(s) imported; it is read "
                                    "again when it changes"))
    return out


def _stop(out: ParsedSegment, lines: _Lines, line: int | None, message: str, *,
          status: str = "damaged") -> ParsedSegment:
    out.status = status
    out.problems.append(Problem(out.path, line, message))
    out.size = lines.size
    return out
