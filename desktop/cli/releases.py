"""`promptpress release ...`: signing keys, repositories, publishing, channels, pulling.

Argument definitions: `releases_args`. Results go to stdout, notes and questions to stderr.
Errors a user can act on are RELEASE_USER_ERRORS (one line, exit 1).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path

from desktop.core import releases as core
from desktop.core.errors import UserError
from desktop.core.identity import author_name
from desktop.core.releases import keys
from storage.releases.atomic import write_atomic
from storage.releases.metadata import format_time

from .common import open_workspace, print_table, use_color


def handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    if args.action == "key":
        return KEY_HANDLERS[args.key_action]
    return HANDLERS[args.action]


def note(text: str) -> None:
    print(text, file=sys.stderr)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _confirm(question: str) -> bool:
    note(question + " [y/N] ")
    try:
        return input().strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _passphrase(confirm: bool) -> str:
    """From the terminal (asked twice when choosing one), else one line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("Passphrase: ")
        if confirm and getpass.getpass("Passphrase again: ") != first:
            raise UserError("The two passphrases differ; nothing was written.")
        return first
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


def _given_passphrase(args: argparse.Namespace, what: str) -> str | None:
    """The passphrase from --passphrase-env VAR or --passphrase-stdin, or None if neither."""
    if getattr(args, "passphrase_env", None):
        value = os.environ.get(args.passphrase_env)
        if value is None:
            raise UserError(f"The environment variable {args.passphrase_env} is not set; it "
                            f"should hold {what}.")
        return value
    if getattr(args, "passphrase_stdin", False):
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return None


def _signer(args: argparse.Namespace) -> str | keys.FileKey | None:
    """What to sign with: a key file (opened now, before anything is read or written), else a
    key in the keychain by fingerprint (None: the default key)."""
    if not args.key_file:
        if args.passphrase_env or args.passphrase_stdin:
            raise UserError("--passphrase-stdin and --passphrase-env go with --key-file PATH.")
        return args.key
    what = f"the passphrase of the key file {args.key_file}"
    passphrase = _given_passphrase(args, what)
    if passphrase is None:
        if not sys.stdin.isatty():
            raise UserError(f"There is no terminal to ask for {what}: give it with "
                            "--passphrase-env VAR or --passphrase-stdin.")
        passphrase = getpass.getpass(f"Passphrase of {args.key_file}: ")
    return keys.load_key_file(args.key_file, passphrase)


def _write_new(path: str, data: bytes, overwrite: bool = False) -> Path:
    target = Path(path).expanduser()
    if target.exists() and not overwrite:
        raise UserError(f"{target} exists already; choose another file (or --overwrite).")
    write_atomic(target, data)
    return target


# -- keys --------------------------------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace) -> int:
    if args.key_file:
        return _keygen_file(args)
    problem = keys.keychain_problem()
    if problem:
        raise core.SigningKeyError(problem)
    backup_passphrase = None
    if args.backup:
        if Path(args.backup).expanduser().exists():
            raise UserError(f"{args.backup} exists already; choose another backup file.")
        backup_passphrase = _given_passphrase(args, "the backup's passphrase")
        if backup_passphrase is None:
            backup_passphrase = _passphrase(confirm=True)
        if len(backup_passphrase) < 8:
            raise UserError("Choose a backup passphrase of at least 8 characters; no key was "
                            "created.")
    info = keys.generate(args.label or author_name(), make_default=args.default)
    print(info.fingerprint)
    note(f"Created signing key {info.grouped} ({info.label}), kept in the system keychain"
         + (" as your default key." if info.default else "."))
    if backup_passphrase is not None:
        path = _write_new(args.backup, keys.backup(info.fingerprint, backup_passphrase))
        note(f"Wrote its encrypted backup to {path}. Keep the file and the passphrase apart.")
    else:
        note("Back it up: promptpress release key export FILE")
    return 0


def _keygen_file(args: argparse.Namespace) -> int:
    """A key in a passphrase-protected file, for computers without a keychain."""
    if args.default:
        raise UserError("--default chooses among the keys in the keychain; a key file is used "
                        "with --key-file PATH instead.")
    passphrase = _given_passphrase(args, "the key file's passphrase")
    if passphrase is None:
        passphrase = _passphrase(confirm=True)
    info = keys.create_key_file(args.key_file, passphrase, args.label or author_name())
    path = Path(args.key_file).expanduser()
    print(info.fingerprint)
    note(f"Created signing key {info.grouped} ({info.label}) in {path}, encrypted with your "
         f"passphrase and readable by you alone. Sign with --key-file {path}. Its public key is "
         f"in {path}.pub: give that to the repository's owner (--author-key or --reviewer-key).")
    return 0


def cmd_key_list(args: argparse.Namespace) -> int:
    found = keys.list_keys()
    if not found:
        note("No signing keys yet. Create one: promptpress release keygen")
        return 0
    rows = [["*" if k.default else "", k.grouped, k.label,
             format_time(k.created)[:10], "missing from keychain" if k.missing else ""]
            for k in found]
    print_table(["", "FINGERPRINT", "LABEL", "CREATED", ""], rows)
    return 0


def cmd_key_export(args: argparse.Namespace) -> int:
    info = keys.find(args.key)
    if args.public:
        path = _write_new(args.file, keys.public_key_file(info.fingerprint), args.overwrite)
        note(f"Wrote the public key of {info.describe()} to {path}. Give it to the repository's "
             "owner; it holds nothing secret.")
        return 0
    if Path(args.file).expanduser().exists() and not args.overwrite:
        raise UserError(f"{args.file} exists already; choose another file (or --overwrite).")
    data = keys.backup(info.fingerprint, _passphrase(confirm=True))
    path = _write_new(args.file, data, overwrite=True)
    note(f"Wrote an encrypted backup of {info.describe()} to {path}.")
    return 0


def cmd_key_import(args: argparse.Namespace) -> int:
    try:
        data = Path(args.file).expanduser().read_bytes()
    except OSError as exc:
        raise UserError(f"Cannot read {args.file}: {exc.strerror}.") from None
    info = keys.restore_backup(data, _passphrase(confirm=False), label=args.label,
                               make_default=args.default)
    print(info.fingerprint)
    note(f"Restored {info.describe()} into the system keychain"
         + (" as your default key." if info.default else "."))
    return 0


def cmd_key_use(args: argparse.Namespace) -> int:
    info = keys.set_default(args.fingerprint)
    note(f"{info.describe()} is now your default signing key.")
    return 0


# -- repositories and publishing -----------------------------------------------------------------


def cmd_init_repo(args: argparse.Namespace) -> int:
    channels = [core.parse_channel(c) for c in args.channels] or list(core.setup.DEFAULT_CHANNELS)
    created = core.create_repository(
        args.destination, args.project, channels=channels,
        reviewers=[keys.read_public_key(r) for r in args.reviewer_keys],
        authors=[keys.read_public_key(a) for a in args.author_keys], key=_signer(args))
    print(created.root_location)
    note(created.describe())
    return 0


def _print_changes(changes: list[core.PromptChange]) -> None:
    rows = [[c.kind.value, c.name, (c.old_id or "")[:12] or "-", (c.new_id or "")[:12] or "-"]
            for c in changes]
    print_table(["CHANGE", "PROMPT", "LIVE", "THIS RELEASE"], rows, file=sys.stderr)


def cmd_publish(args: argparse.Namespace) -> int:
    signer = _signer(args)
    live = core.read_channel(args.destination, args.channel, project=args.project)
    note(f"{live.project}: {live.describe()}.")
    if args.replacing is not None and (live.number or 0) != args.replacing:
        raise core.ReleaseError(
            f"{live.channel} serves {'release ' + str(live.number) if live.number else 'nothing'}"
            f", not release {args.replacing}: someone published meanwhile. Nothing was "
            f"published. Check `promptpress release list {live.destination}`, then run again.")
    with open_workspace(args) as workspace:
        with workspace.session() as session:
            choices = core.choose(session, args.refs)
        chosen = core.contents(choices)
        left_out = sorted(set(live.prompts) - set(chosen))
        if left_out and args.keep_others:
            chosen = {**live.prompts, **chosen}
        elif left_out and not args.remove_others:
            raise core.ReleaseError(
                f"{live.channel} also serves {', '.join(left_out[:5])}"
                f"{' and more' if len(left_out) > 5 else ''}, which you did not name. Add "
                "--keep-others to keep them at their live versions, or --remove-others to "
                "publish only the prompts named. Nothing was published.")
        for choice in choices:
            gate = choice.gate
            if gate.status is core.GateStatus.FAILED or gate.status is core.GateStatus.NOT_RUN:
                note(f"Note: {choice.name} @{choice.version_id[:12]}: {gate.label.lower()}. "
                     + gate.describe().replace("\n", "; "))
        _print_changes(core.compare(live.prompts, chosen))
        published = _publish_or_rebase(args, signer, chosen, live)
        if published is None:
            print("Nothing left to publish: the channel's new release already holds it.")
            return 0
        with workspace.session() as session:
            core.record(session, published)
    print(published.describe())
    return 0


def _publish_or_rebase(args: argparse.Namespace, signer: str | keys.FileKey | None, chosen: dict,
                       live: core.LiveRelease) -> core.Published | None:
    """Publish; if the channel moved meanwhile, show what moved and publish on top on the
    user's say-so. None: the other release already holds everything (nothing to publish)."""
    try:
        return core.publish(args.destination, chosen, channel=args.channel, project=args.project,
                            key=signer, author=author_name(), notes=args.notes, base=live)
    except core.ChannelMovedError as exc:
        moved = exc.moved
        note(str(exc))
        if core.changes.is_noop(moved.result):
            return None
        _print_changes(moved.result)
        if not (args.yes or (_interactive() and _confirm(
                f"Publish on top of release {moved.now.number}?"))):
            raise core.ReleaseError(
                f"Nothing was published. Run the command again to publish on top of what "
                f"{live.channel} serves now (--yes publishes on top without asking).") from None
        return core.publish(args.destination, dict(moved.rebased), channel=args.channel,
                            project=args.project, key=signer, author=author_name(),
                            notes=args.notes, base=moved.now)


def _record(args: argparse.Namespace, published: core.Published) -> None:
    """Remember the release in the workspace, unless the workspace is busy elsewhere."""
    from storage.workspace.db import WorkspaceError

    try:
        with open_workspace(args) as workspace, workspace.session() as session:
            core.record(session, published)
    except WorkspaceError as exc:
        note(f"(Not noted in your workspace's history: {exc})")


def cmd_promote(args: argparse.Namespace) -> int:
    published = core.promote(args.destination, release=args.release,
                             from_channel=args.from_channel, to_channel=args.channel,
                             key=_signer(args))
    _record(args, published)
    print(published.describe())
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    published = core.rollback(args.destination, args.channel, args.release, key=_signer(args))
    _record(args, published)
    print(published.describe())
    return 0


def cmd_renew(args: argparse.Namespace) -> int:
    published = core.renew(args.destination, args.channel, key=_signer(args))
    r = published.result
    if r.pending:
        print(published.describe())
    else:
        from storage.releases.repository import pointer_lifetime

        days = pointer_lifetime(r.channel) // 86400
        print(f"Renewed {r.channel}: release {r.release}, signed again (pointer version "
              f"{r.pointer_version}); readers accept it for {days} more days.")
    return 0


def print_review(review: core.Review, *, diffs: bool, color: bool) -> None:
    from desktop.core.diff import render_terminal
    from desktop.core import promptfile

    print(review.describe())
    print()
    for change in core.changed_prompts(review):
        old, new = (change.old_id or "")[:12], (change.new_id or "")[:12]
        print(f"== {change.name}: {change.kind.value}"
              + (f" ({old} -> {new})" if old and new else f" ({old or new})"))
        if not diffs:
            continue
        diff = change.diff()
        if diff is not None:
            text = render_terminal(diff, color)
        else:  # added or removed: the whole prompt
            text = promptfile.dumps(change.new or change.old,  # type: ignore[arg-type]
                                     name=change.name)
        print(text if text.endswith("\n") else text + "\n")
    if not core.changed_prompts(review):
        print("The prompts are the same as the live release's (only the pointer changes).")


def cmd_approve(args: argparse.Namespace) -> int:
    signer = _signer(args)
    review = core.pending_review(args.destination, args.channel)
    print_review(review, diffs=not args.summary, color=use_color(args.color))
    if not args.yes and _interactive() and not _confirm(
            f"Co-sign release {review.release} for {review.channel}?"):
        note("Nothing was signed.")
        return 1
    published = core.approve(review, key=signer)
    _record(args, published)
    print(published.describe())
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    review = core.pending_review(args.destination, args.channel)
    core.reject(review)
    print(f"Withdrew release {review.release} from {review.channel}; the channel still "
          f"serves {'release ' + str(review.live.number) if review.live else 'nothing'}.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    if args.release is not None:
        release = core.fetch_release(args.source, args.release)
        m = release.manifest
        print(f"Release {m.release} of {m.project}, by {m.author or 'unknown'} on "
              f"{format_time(m.created)}" + (f": {m.notes}" if m.notes else ""))
        rows = [[name, release.prompts[name].model or "-", m.prompts[name].sha256[:12]]
                for name in sorted(release.prompts)]
        print_table(["PROMPT", "MODEL", "VERSION"], rows)
        return 0
    listing = core.list_releases(args.source)
    print(f"{listing.project} at {listing.source} (root version {listing.root_version})")
    for line in listing.channels:
        print("  " + line.describe())
    if not listing.releases:
        print("No releases yet.")
        return 0
    rows = [[str(r.release), ", ".join(r.channels) + (
                f" (pending: {', '.join(r.pending_on)})" if r.pending_on else ""),
             r.author or "-", format_time(r.created).replace("T", " ").replace("Z", " UTC"),
             str(r.prompts)] for r in listing.releases]
    print_table(["RELEASE", "CHANNELS", "AUTHOR", "PUBLISHED", "PROMPTS"], rows)
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    release = core.fetch_release(args.source, args.release)
    listing = core.list_releases(args.source)
    info = next((r for r in listing.releases if r.release == args.release), None)
    with open_workspace(args) as workspace, workspace.session() as session:
        outcome = core.pull(session, release, args.source, author=author_name(),
                            channels=info.channels if info else ())
    for name, vid in outcome.added:
        print(f"added    {name}@{vid[:12]}")
    for name, vid in outcome.present:
        print(f"present  {name}@{vid[:12]}")
    note(outcome.describe())
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from storage.releases.__main__ import main as reader_main

    argv = ["verify", args.source, "--root", args.root, "--channel", args.channel]
    if args.cache:
        argv += ["--cache", args.cache]
    return reader_main(argv)


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "keygen": cmd_keygen, "init-repo": cmd_init_repo, "publish": cmd_publish,
    "promote": cmd_promote, "rollback": cmd_rollback, "renew": cmd_renew, "approve": cmd_approve,
    "reject": cmd_reject, "list": cmd_list, "pull": cmd_pull, "verify": cmd_verify,
}
KEY_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "list": cmd_key_list, "export": cmd_key_export, "import": cmd_key_import, "use": cmd_key_use,
}
