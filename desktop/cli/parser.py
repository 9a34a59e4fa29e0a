"""The command line: argparse only, so that building it imports nothing heavy."""

from __future__ import annotations

import argparse

from desktop import __version__
from desktop.cli.common_args import command_with_actions

DESCRIPTION = """\
Promptpress: write prompts, compare models side by side, keep every version, and publish
signed prompt releases. With no command it opens the app on your workspace."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promptpress",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"promptpress {__version__}")
    parser.add_argument(
        "--workspace", metavar="PATH",
        help="workspace file to open (default: Promptpress's file in your user data folder)",
    )
    parser.add_argument(
        "--smoke-test", action="store_true",
        help="check this installation end to end: open a workspace, show the window, run one "
             "prompt on the provider at $PROMPTPRESS_SMOKE_BASE_URL, exit 0 if all worked",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    # provider
    provider_cmds = command_with_actions(commands, "provider",
                                         help="model endpoints and their keys")
    add = provider_cmds.add_parser("add", help="add a provider")
    add.add_argument("name", help="a short name you will use with --model, e.g. fast")
    add.add_argument("--model", required=True, metavar="MODEL_ID",
                     help="litellm model id, e.g. openai/gpt-4o-mini, anthropic/claude-3-5-haiku-"
                          "latest, ollama/llama3")
    add.add_argument("--base-url", metavar="URL", help="endpoint URL for OpenAI-compatible or local servers")
    key = add.add_mutually_exclusive_group()
    key.add_argument("--api-key-env", metavar="VAR",
                     help="read the key from this environment variable at call time")
    key.add_argument("--api-key-stdin", action="store_true",
                     help="read the key from standard input and store it in the OS keychain")
    add.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                     help="default model parameter, e.g. temperature=0.2 (repeatable)")
    add.add_argument("--max-concurrency", type=int, metavar="N",
                     help="at most N calls in flight to this provider")
    provider_cmds.add_parser("list", help="list providers")
    remove = provider_cmds.add_parser("remove", help="remove a provider and its stored key")
    remove.add_argument("name")
    check = provider_cmds.add_parser("test", help="send a tiny request: does the model answer?")
    check.add_argument("name")

    # prompt
    prompt_cmds = command_with_actions(commands, "prompt", help="prompts and their versions")
    save = prompt_cmds.add_parser("save", help="save a prompt file as a new version")
    save.add_argument("name", help="prompt name, with folders: support/summarize-call")
    save.add_argument("--file", required=True, metavar="FILE", help="a .prompt file")
    save.add_argument("-m", "--message", default="", help="why this version")
    prompt_cmds.add_parser("list", help="list prompts")
    show = prompt_cmds.add_parser("show", help="print a version as a prompt file")
    show.add_argument("ref", metavar="NAME[@VERSION]")
    hist = prompt_cmds.add_parser("history", help="list the versions of a prompt, newest first")
    hist.add_argument("name")

    from desktop.cli.versions_args import add_arguments as add_version_arguments

    add_version_arguments(commands, prompt_cmds)

    from desktop.cli.releases_args import add_arguments as add_release_arguments

    add_release_arguments(commands)

    from desktop.cli.evals_args import add_arguments as add_eval_arguments

    add_eval_arguments(commands)

    from desktop.cli.logs_args import add_arguments as add_logs_arguments

    add_logs_arguments(commands)
    from desktop.cli.monitor_args import add_arguments as add_monitor_arguments

    add_monitor_arguments(commands)
    from desktop.cli.advise_args import add_arguments as add_advise_arguments

    add_advise_arguments(commands)

    # play
    play = commands.add_parser("play", help="run a prompt once on one or more models")
    play.add_argument("ref", metavar="NAME[@VERSION]")
    play.add_argument("--model", action="append", required=True, metavar="PROVIDER",
                      dest="models", help="provider to run on (repeat for several, run concurrently)")
    play.add_argument("--var", action="append", default=[], metavar="KEY=VALUE",
                      help="a variable's value (repeatable)")
    play.add_argument("--vars-file", metavar="FILE.json", help="variable values as a JSON object")
    play.add_argument("--no-stream", action="store_true", help="wait for whole answers")
    play.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                      help="give up on a call after this long (default 120)")
    play.add_argument("--json", action="store_true", help="print results as JSON")
    return parser
