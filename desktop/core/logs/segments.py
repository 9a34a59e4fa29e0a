"""Reading one segment: its records, and a problem for each file or line that is skipped.

Logs are data from outside: every line is parsed as strict JSON (no duplicate keys, no NaN),
checked field by field, and kept as text; nothing in them is ever run or rendered. A line longer
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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from storage.releases.logformat import (MAX_LINE_BYTES, RecordError, check_end, check_header,
                                        check_record)
from storage.releases.strictjson import refuse_duplicate_keys

from .errors import Problem

_pairs = refuse_duplicate_keys(lambda key: RecordError(f"the key {key!r} appears twice"))


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


def _no_constant(name: str) -> Any:
    raise RecordError(f"{name} is not a number JSON allows")


def _parse(line: bytes) -> Any:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(f"not valid UTF-8 (byte {exc.start + 1})") from None
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except RecordError:
        raise
    except (ValueError, RecursionError) as exc:
        raise RecordError(f"not valid JSON ({exc})") from None


class _Lines:
    """Split chunks on b"\\n" only, holding at most MAX_LINE_BYTES of one line. Yields
    (line number, the line without its newline or None when it is too long, its length,
    whether a newline ended it). Every byte, skipped or not, counts in `size`."""

    def __init__(self, chunks: Iterable[bytes], limit: int = MAX_LINE_BYTES) -> None:
        self.chunks, self.limit, self.size = chunks, limit, 0
        self.skipped: list[bytes] = []  # the bytes of a line too long, for the checksum
        self.hasher: Any = None

    def __iter__(self) -> Iterator[tuple[int, bytes | None, int, bool]]:
        number, buffer, huge, length = 0, bytearray(), False, 0
        for chunk in self.chunks:
            self.size += len(chunk)
            start = 0
            while True:
                end = chunk.find(b"\n", start)
                piece = chunk[start:] if end < 0 else chunk[start:end]
                length += len(piece)
                if huge:
                    self._hash(piece if end < 0 else piece + b"\n")
                else:
                    buffer += piece
                    if len(buffer) > self.limit:
                        huge = True
                        self._hash(bytes(buffer) + (b"\n" if end >= 0 else b""))
                        buffer = bytearray()
                if end < 0:
                    break
                number += 1
                yield number, None if huge else bytes(buffer), length, True
                buffer, huge, length = bytearray(), False, 0
                start = end + 1
        if length or buffer:
            number += 1
            yield number, None if huge else bytes(buffer), length, False

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
