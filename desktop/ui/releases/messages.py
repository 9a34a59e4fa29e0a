"""Rich-text messages of the release dialogs, built from plain data. Pure functions.

Names and notes typed by people are wrapped in bidi isolates, so a right-to-left prompt name or
author keeps its place in an English sentence.
"""

from __future__ import annotations

import html

from desktop.core import releases as core
from desktop.core.releases.changes import is_noop
from desktop.core.releases.gate import GateStatus

from .common import isolate
from .publish_model import PublishRow, changed_summary

RED = "color:#b42318"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def person(text: str) -> str:
    """A name or note from a person, escaped and isolated."""
    return escape(isolate(text))


def summary_html(rows: list[PublishRow], *, live_read: bool) -> str:
    """What the release will hold, what fails its tests, whether anything changes at all."""
    included = [r for r in rows if r.included]
    if not rows:
        return "This workspace has no saved prompts yet. Save a version of a prompt, then " \
               "publish it."
    if not included:
        return "Tick the prompts to publish."
    count = changed_summary(rows)
    failed = [r.name for r in included if r.gate and r.gate.status is GateStatus.FAILED]
    not_run = [r.name for r in included if r.gate and r.gate.status is GateStatus.NOT_RUN]
    problems = [r.name for r in included if r.problem]
    text = (f"<b>The release will hold {len(included)} prompt"
            f"{'s' if len(included) != 1 else ''}</b>: {count[core.Kind.CHANGED]} changed, "
            f"{count[core.Kind.ADDED]} added, {count[core.Kind.REMOVED]} removed, "
            f"{count[core.Kind.UNCHANGED]} unchanged.")
    if failed:
        names = ", ".join(person(n) for n in failed[:3]) + ("…" if len(failed) > 3 else "")
        text += f" <span style='{RED}'>{len(failed)} failed their tests: {names}.</span>"
    if not_run:
        text += f" {len(not_run)} not tested on the chosen version."
    if problems:
        text += f" <span style='{RED}'>{len(problems)} cannot be published (see Tests).</span>"
    if live_read and all(r.kind is core.Kind.UNCHANGED for r in rows if r.kind is not None):
        text += " This is exactly what the channel serves already: nothing to publish."
    return text


def moved_html(moved: core.Moved) -> tuple[str, bool]:
    """What moved on the channel and what publishing on top would do; True when the other
    release already holds everything the user was publishing."""
    now = moved.now
    if now.release is None:
        lines = [f"The release on {now.channel} was withdrawn while you prepared yours."]
    else:
        author = now.release.manifest.author or "Someone"
        lines = [f"{person(author)} published release {now.number} to {now.channel} while "
                 "you prepared yours."]
    lines[0] += " Nothing was overwritten."
    if moved.theirs:
        shown = ", ".join(f"{person(c.name)} ({c.kind.value})" for c in moved.theirs[:6])
        more = f" and {len(moved.theirs) - 6} more" if len(moved.theirs) > 6 else ""
        lines.append(f"They changed {shown}{more}.")
    if is_noop(moved.result):
        lines.append(f"Release {now.number} already holds everything you were publishing: "
                     "nothing is left to publish.")
        return "<br/>".join(lines), True
    if moved.conflicts:
        lines.append("You both changed " + ", ".join(person(n) for n in moved.conflicts)
                     + ": publishing on top keeps your version.")
    lines.append(f"Publishing yours on top of it: {core.summary(moved.result)}.")
    return "<br/>".join(lines), False


def review_html(review: core.Review) -> str:
    """The head of the Review dialog: which release, who signed, what it changes."""
    m = review.proposed.manifest
    live = (f"Live on {review.channel} now: release {review.live.number}." if review.live
            else f"Nothing is live on {review.channel} yet.")
    lines = [
        f"<b>Release {m.release} of {escape(review.project)} waits for your approval on "
        f"{review.channel}.</b>",
        f"Published by {person(m.author or 'an unnamed author')} on "
        f"{core.channels.when(m.created)}; signed by {review.signed} of {review.needed}: "
        + ", ".join(person(s) for s in review.signers) + ".",
        f"{live} This release: {core.summary(review.changes)}.",
    ]
    if m.notes:
        lines.append(f"Notes: {person(m.notes)}")
    return "<br/>".join(lines)
