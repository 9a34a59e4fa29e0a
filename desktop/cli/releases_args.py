"""argparse definitions for `promptpress release ...`: keys, repositories, publishing, channels.

Imports nothing heavy (`promptpress --help` builds these). Wire it in `parser.build_parser`:

    from desktop.cli.releases_args import add_arguments as add_release_arguments
    add_release_arguments(commands)

and in `run._handler`:

    if args.command == "release":
        from desktop.cli.releases import handler
        return handler(args)
"""

from __future__ import annotations

import argparse

from .common_args import command_with_actions

DEST_HELP = "the repository: a folder (local, shared or synced) or an http(s) URL accepting PUT"
KEY_HELP = "sign with this key of yours (fingerprint or its first 8+ digits; default: your " \
           "default key)"
KEY_FILE_HELP = "sign with the key in this key file (`release keygen --key-file`) instead of the " \
                "keychain; its passphrase is asked in the terminal"


def _passphrase_options(parser: argparse.ArgumentParser, what: str) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--passphrase-stdin", action="store_true",
                        help=f"read {what} from one line of standard input")
    source.add_argument("--passphrase-env", metavar="VAR",
                        help=f"read {what} from the environment variable VAR (for CI jobs)")


def _signing_options(parser: argparse.ArgumentParser) -> None:
    """--key FINGERPRINT, or --key-file PATH with where its passphrase comes from."""
    key = parser.add_mutually_exclusive_group()
    key.add_argument("--key", metavar="FINGERPRINT", help=KEY_HELP)
    key.add_argument("--key-file", metavar="PATH", help=KEY_FILE_HELP)
    _passphrase_options(parser, "the key file's passphrase")


def _channel_action(actions: argparse._SubParsersAction, name: str,
                    **options) -> argparse.ArgumentParser:
    """An action on one channel of a repository: its parser, with --to DEST --channel CHANNEL
    (both required)."""
    parser = actions.add_parser(name, **options)
    parser.add_argument("--to", required=True, dest="destination", metavar="DEST", help=DEST_HELP)
    parser.add_argument("--channel", required=True, metavar="CHANNEL")
    return parser


def add_arguments(commands: argparse._SubParsersAction) -> argparse._SubParsersAction:
    """Add the `release` command and its actions; returns the `release` actions."""
    actions = command_with_actions(
        commands, "release", help="publish signed prompt releases, move channels, pull releases",
        description="Signed prompt releases. A repository (a folder or an HTTP server) holds "
                    "numbered releases; each channel (staging, production, ...) points at one. "
                    "Engineers read them with promptpress-reader, which refuses anything "
                    "tampered with.")

    keygen = actions.add_parser(
        "keygen", help="create your signing key (kept in the system keychain); prints its "
                       "fingerprint",
        description="Create an Ed25519 signing key. The private key goes to the system keychain "
                    "only. Back it up (--backup, or `release key export`) to move it to "
                    "another computer: the backup is encrypted with a passphrase you choose, "
                    "read from the terminal (or one line of standard input). Where there is no "
                    "keychain (a build server), --key-file PATH keeps the key in a file instead, "
                    "encrypted with the passphrase and readable by you alone, with its public "
                    "key in PATH.pub; sign with --key-file PATH.")
    keygen.add_argument("--label", default="", help="a name for the key, e.g. 'Ann, laptop'")
    where = keygen.add_mutually_exclusive_group()
    where.add_argument("--backup", metavar="FILE", help="also write an encrypted backup here")
    where.add_argument("--key-file", metavar="PATH",
                       help="keep the key in this new file (mode 600) instead of the keychain")
    keygen.add_argument("--default", action="store_true",
                        help="make it your default key (your first key is the default anyway)")
    _passphrase_options(keygen, "the passphrase")

    key = actions.add_parser("key", help="list, back up, restore and share your signing keys")
    key_actions = key.add_subparsers(dest="key_action", metavar="KEY_ACTION", required=True)
    key_actions.add_parser("list", help="your signing keys and their fingerprints")
    export = key_actions.add_parser(
        "export", help="write an encrypted backup of a key (or, with --public, its public key)",
        description="Without --public: an encrypted backup of the private key, protected by a "
                    "passphrase read from the terminal (or one line of standard input). With "
                    "--public: the public key file a repository owner needs to add you as an "
                    "author or reviewer (safe to share).")
    export.add_argument("file", metavar="FILE")
    export.add_argument("--key", metavar="FINGERPRINT", help="which key (default: your default)")
    export.add_argument("--public", action="store_true", help="write the public key file")
    export.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    imp = key_actions.add_parser(
        "import", help="restore a key from its encrypted backup into the keychain")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--label", default="", help="a name for the key (default: the backup's)")
    imp.add_argument("--default", action="store_true", help="make it your default key")
    use = key_actions.add_parser("use", help="make one of your keys the default")
    use.add_argument("fingerprint", metavar="FINGERPRINT")

    init = actions.add_parser(
        "init-repo", help="create a release repository signed with your key",
        description="Create a release repository at DEST: its first root file names your key "
                    "(and co-authors' and reviewers'), the channels, and how many signatures "
                    "each channel needs. Engineers pin DEST/root/1.root.json.")
    init.add_argument("destination", metavar="DEST", help=DEST_HELP)
    init.add_argument("--project", required=True, metavar="PROJECT",
                      help="project name: lowercase letters, digits, '-' and '_'")
    init.add_argument("--channel", action="append", default=[], metavar="NAME[:THRESHOLD]",
                      dest="channels",
                      help="a channel and how many people must sign it (repeatable; default: "
                           "staging and production, one signature each)")
    init.add_argument("--reviewer-key", action="append", default=[], dest="reviewer_keys",
                      metavar="FINGERPRINT_OR_PUBFILE",
                      help="a reviewer who co-signs channels needing 2+ signatures (repeatable)")
    init.add_argument("--author-key", action="append", default=[], dest="author_keys",
                      metavar="FINGERPRINT_OR_PUBFILE",
                      help="a co-author who may publish too (repeatable)")
    _signing_options(init)

    publish = actions.add_parser(
        "publish", help="publish prompts at their versions as the next release on a channel",
        description="Publish a release: the prompts named (each at its current version, or "
                    "NAME@VERSION) signed with your key. Prompt files are written first, the "
                    "channel pointer last. If someone else published to the channel meanwhile, "
                    "nothing is overwritten: you are shown what moved and asked to publish on "
                    "top of it.")
    publish.add_argument("refs", nargs="+", metavar="NAME[@VERSION]")
    publish.add_argument("--project", required=True, metavar="PROJECT")
    publish.add_argument("--channel", required=True, metavar="CHANNEL")
    publish.add_argument("--to", required=True, dest="destination", metavar="DEST",
                         help=DEST_HELP)
    publish.add_argument("--notes", default="", help="release notes, kept in the release")
    _signing_options(publish)
    others = publish.add_mutually_exclusive_group()
    others.add_argument("--keep-others", action="store_true",
                        help="keep the channel's other prompts at their live versions")
    others.add_argument("--remove-others", action="store_true",
                        help="publish only the prompts named, removing the channel's others")
    publish.add_argument("--replacing", type=int, metavar="N",
                         help="publish only if the channel still serves release N (0: none)")
    publish.add_argument("--yes", action="store_true",
                         help="answer yes: publish on top if the channel moved meanwhile")

    promote = actions.add_parser(
        "promote", help="point a channel at a release another channel serves (staging -> "
                        "production)")
    promote.add_argument("--to", required=True, dest="destination", metavar="DEST", help=DEST_HELP)
    promote.add_argument("--release", type=int, metavar="N",
                         help="the release to promote (default: what --from serves)")
    promote.add_argument("--from", dest="from_channel", default="staging", metavar="CHANNEL",
                         help="default: staging")
    promote.add_argument("--channel", dest="channel", default="production", metavar="CHANNEL",
                         help="the channel to move (default: production)")
    _signing_options(promote)

    rollback = _channel_action(
        actions, "rollback", help="serve an earlier release on a channel again",
        description="Point the channel at an earlier release with a new, higher pointer "
                    "version, so readers accept it (they refuse replayed old pointers).")
    rollback.add_argument("--release", required=True, type=int, metavar="N")
    _signing_options(rollback)

    renew = _channel_action(
        actions, "renew", help="re-sign a channel's live release with a later expiry",
        description="A channel pointer expires 14 days after it was signed on production, 90 "
                    "days on other channels; readers then refuse it (someone could be hiding "
                    "newer releases) and keep their last good release. Renew it before then: "
                    "the same release, signed again.")
    _signing_options(renew)

    approve = _channel_action(
        actions, "approve", help="review a release waiting for your signature, and co-sign it",
        description="Show exactly what the pending release changes compared with the live one "
                    "(every prompt's diff), then co-sign it. In a terminal you are asked first.")
    _signing_options(approve)
    approve.add_argument("--summary", action="store_true",
                         help="list the changed prompts without their diffs")
    approve.add_argument("--yes", action="store_true", help="sign without asking")
    approve.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    _channel_action(actions, "reject", help="withdraw a release waiting for approval")

    listing = actions.add_parser(
        "list", help="a repository's releases: who, when, which channel, which versions")
    listing.add_argument("source", metavar="SOURCE", help=DEST_HELP)
    listing.add_argument("--release", type=int, metavar="N", help="list the prompts of release N")

    pull = actions.add_parser(
        "pull", help="import a release's prompt versions into your history")
    pull.add_argument("source", metavar="SOURCE", help=DEST_HELP)
    pull.add_argument("--release", required=True, type=int, metavar="N")

    verify = actions.add_parser(
        "verify", help="verify a channel's release as engineers' readers do; exit 1 with the "
                       "reason if it is refused")
    verify.add_argument("source", metavar="SOURCE", help=DEST_HELP)
    verify.add_argument("--root", required=True, metavar="ROOT",
                        help="the pinned root file (root/1.root.json as first published)")
    verify.add_argument("--channel", default="production", metavar="CHANNEL")
    verify.add_argument("--cache", metavar="DIR", help="reader cache (keeps the last good release)")
    return actions
