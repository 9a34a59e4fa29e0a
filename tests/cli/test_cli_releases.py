"""`promptpress release ...` end to end: keys, init-repo, publish to a folder and to nginx,
verify (and refuse a tampered repository), promote, two signatures, approve, rollback, list,
pull, and a publisher told that the channel moved.

`release_cli` runs the real command in a subprocess (file keyring shared with the test);
`run` runs the same parser and handlers in this process (in-memory keyring), for the longer
stories. Both use `promptpress`'s own parser once `release` is wired into it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from storage.releases import Reader
from tests.cli.conftest import CLI, ROOT, Result
from tests.releases.helpers import flip
from tests.support.nginx import nginx  # noqa: F401  (fixture)

PROMPT = """\
---
model: openai/gpt-4o-mini
variables:
  name:
    description: Customer name
---
{{role "system"}}
You are kind.\t
{{role "user"}}
Greet {{ name }}.
"""

# Until `release` is wired into desktop/cli/parser.py and run.py, add it here the same way.
RUNNER = """
import sys
from tests.cli.test_cli_releases import invoke
sys.exit(invoke(sys.argv[1:]))
"""


def invoke(argv: list[str]) -> int:
    """`promptpress ARGV`, with `release` added to the parser if it is not wired in yet."""
    from desktop.cli.parser import build_parser
    from desktop.cli.run import run_command

    parser = build_parser()
    commands = parser._subparsers._group_actions[0]
    wired = "release" in commands.choices
    if not wired:
        from desktop.cli.releases_args import add_arguments

        add_arguments(commands)
    args = parser.parse_args(argv)
    if wired or args.command != "release":
        return run_command(args)
    from desktop.cli.releases import handler
    from desktop.core.errors import USER_ERRORS
    from desktop.core.releases.errors import RELEASE_USER_ERRORS

    try:
        return handler(args)(args)
    except (*USER_ERRORS, *RELEASE_USER_ERRORS) as exc:
        print(f"promptpress: {exc}", file=sys.stderr)
        return 1


class ReleaseCLI(CLI):
    def __call__(self, *args: str, input: str | None = None, timeout: float = 60,
                 env: dict | None = None) -> Result:
        import subprocess

        proc = subprocess.run(
            [sys.executable, "-c", RUNNER, "--workspace", str(self.workspace), *args],
            input=input, capture_output=True, timeout=timeout, cwd=ROOT,
            env={**self.env, **(env or {})}, encoding="utf-8")
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def release_cli(tmp_path) -> ReleaseCLI:
    return ReleaseCLI(tmp_path / "cli.promptpress")


@pytest.fixture
def run(tmp_path, monkeypatch, capsys):
    """run(*args, input=..., workspace=...) -> Result, in this process (in-memory keyring)."""
    monkeypatch.setenv("PROMPTPRESS_AUTHOR", "Ann Author")

    def _run(*args: str, input: str = "", workspace: Path | None = None) -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        capsys.readouterr()
        code = invoke(["--workspace", str(workspace or tmp_path / "ws.promptpress"), *args])
        out = capsys.readouterr()
        return Result(code, out.out, out.err)

    return _run


def save_prompt(call, tmp_path: Path, name: str, text: str = PROMPT) -> str:
    f = tmp_path / "in.prompt"
    f.write_bytes(text.encode())
    result = call("prompt", "save", name, "--file", str(f))
    assert result.code == 0, result.err
    return result.out.strip()


def test_keygen_init_publish_verify_and_a_tampered_repository(release_cli, tmp_path):
    made = release_cli("release", "keygen", "--label", "Ann, laptop",
                       "--backup", str(tmp_path / "ann.key"), input="a long passphrase\n")
    assert made.code == 0, made.err
    fingerprint = made.out.strip()
    assert len(fingerprint) == 64 and "encrypted backup" in made.err
    assert b"ENCRYPTED PRIVATE KEY" in (tmp_path / "ann.key").read_bytes()
    listed = release_cli("release", "key", "list")
    assert listed.code == 0 and fingerprint[:4] in listed.out and "Ann, laptop" in listed.out

    vid = save_prompt(release_cli, tmp_path, "support/greet")
    dest = tmp_path / "shared" / "acme"
    init = release_cli("release", "init-repo", str(dest), "--project", "acme")
    assert init.code == 0, init.err
    root = Path(init.out.strip())
    assert root == dest / "root" / "1.root.json" and "Engineers pin" in init.err

    published = release_cli("release", "publish", "support/greet", "--project", "acme",
                            "--channel", "production", "--to", str(dest))
    assert published.code == 0, published.err
    assert "Production now serves release 1" in published.out
    assert "added" in published.err and vid[:12] in published.err

    ok = release_cli("release", "verify", str(dest), "--root", str(root), "--channel",
                     "production")
    assert ok.code == 0 and "ok: acme/production release 1" in ok.out
    reader = Reader(dest, root.read_bytes())  # a fresh reader renders it
    assert reader.get("support/greet").render(name="Bo")[1]["content"] == "Greet Bo."

    blob = dest / "blobs" / "sha256" / vid
    flip(blob, 40)
    refused = release_cli("release", "verify", str(dest), "--root", str(root), "--channel",
                          "production")
    assert refused.code == 1 and "refused" in refused.err and "[tampered bytes]" in refused.err


def test_publish_to_nginx_from_the_cli(run, nginx, tmp_path):
    release_cli = run
    assert release_cli("release", "keygen").code == 0
    save_prompt(release_cli, tmp_path, "support/greet")
    url = nginx.url + "acme"
    init = release_cli("release", "init-repo", url, "--project", "acme")
    assert init.code == 0, init.err
    assert init.out.strip() == nginx.url + "acme/root/1.root.json"
    published = release_cli("release", "publish", "support/greet", "--project", "acme",
                            "--channel", "staging", "--to", url)
    assert published.code == 0, published.err
    root = (nginx.root / "acme" / "root" / "1.root.json").read_bytes()
    reader = Reader(url, root, channel="staging")
    assert reader.get("support/greet").render(name="Al")[1]["content"] == "Greet Al."
    ok = release_cli("release", "verify", url, "--root",
                     str(nginx.root / "acme" / "root" / "1.root.json"), "--channel", "staging")
    assert ok.code == 0, ok.err


def test_two_signatures_promote_approve_rollback_list_and_pull(run, tmp_path):
    ann = run("release", "keygen", "--label", "Ann").out.strip()
    rami = run("release", "keygen", "--label", "Rami").out.strip()
    assert run("release", "key", "export", str(tmp_path / "rami.pub"), "--key", rami,
               "--public").code == 0
    dest = str(tmp_path / "repo")
    init = run("release", "init-repo", dest, "--project", "acme", "--channel", "staging",
               "--channel", "production:2", "--reviewer-key", str(tmp_path / "rami.pub"))
    assert init.code == 0, init.err
    root = init.out.strip()
    save_prompt(run, tmp_path, "support/greet")
    assert run("release", "publish", "support/greet", "--project", "acme", "--channel",
               "staging", "--to", dest).code == 0

    promoted = run("release", "promote", "--to", dest)
    assert promoted.code == 0 and "waits for approval on production (1 of 2" in promoted.out
    # production does not move until the reviewer co-signs
    assert run("release", "verify", dest, "--root", root, "--channel", "production").code == 1
    mine = run("release", "approve", "--to", dest, "--channel", "production")
    assert mine.code == 1 and "already signed" in mine.err
    approved = run("release", "approve", "--to", dest, "--channel", "production", "--key", rami)
    assert approved.code == 0, approved.err
    assert "support/greet: added" in approved.out and "Greet {{ name }}." in approved.out
    assert "Production now serves release 1" in approved.out

    save_prompt(run, tmp_path, "support/greet", PROMPT.replace("Greet", "Welcome"))
    assert run("release", "publish", "support/greet", "--project", "acme", "--channel",
               "production", "--to", dest).code == 0
    review = run("release", "approve", "--to", dest, "--channel", "production", "--key", rami)
    assert review.code == 0 and "support/greet: changed" in review.out
    assert "Welcome" in review.out and "Production now serves release 2" in review.out

    rolled = run("release", "rollback", "--to", dest, "--channel", "production", "--release", "1")
    assert rolled.code == 0 and "Release 1 waits for approval on production" in rolled.out
    assert run("release", "approve", "--to", dest, "--channel", "production", "--key", rami,
               "--summary").code == 0
    assert Reader(dest, Path(root).read_bytes()).release == 1

    listed = run("release", "list", dest)
    assert listed.code == 0
    assert "production: release 1" in listed.out and "staging: release 1" in listed.out
    # The release names the signing key's label, not the OS user (PROMPTPRESS_AUTHOR).
    assert " Ann " in listed.out and "Ann Author" not in listed.out and "2        " in listed.out
    prompts = run("release", "list", dest, "--release", "2")
    assert "support/greet" in prompts.out and "openai/gpt-4o-mini" in prompts.out

    other = tmp_path / "colleague.promptpress"
    pulled = run("release", "pull", dest, "--release", "2", workspace=other)
    assert pulled.code == 0 and pulled.out.startswith("added    support/greet@")
    assert "Pulled release 2 of acme: 1 version added" in pulled.err
    history = run("prompt", "history", "support/greet", workspace=other)
    assert "Pulled from release 2 of acme" in history.out

    rejected = run("release", "reject", "--to", dest, "--channel", "production")
    assert rejected.code == 1 and "Nothing waits for approval" in rejected.err


def test_the_channel_moved_and_other_guards(run, tmp_path):
    run("release", "keygen")
    dest = str(tmp_path / "repo")
    assert run("release", "init-repo", dest, "--project", "acme").code == 0
    save_prompt(run, tmp_path, "greet")
    save_prompt(run, tmp_path, "close", PROMPT.replace("Greet", "Bye"))
    first = run("release", "publish", "greet", "close", "--project", "acme", "--channel",
                "staging", "--to", dest, "--replacing", "0")
    assert first.code == 0, first.err
    pointer = (tmp_path / "repo" / "channels" / "staging.json").read_bytes()
    save_prompt(run, tmp_path, "greet", PROMPT.replace("Greet", "Hi"))
    stale = run("release", "publish", "greet", "--keep-others", "--project", "acme",
                "--channel", "staging", "--to", dest, "--replacing", "0")
    assert stale.code == 1 and "someone published meanwhile" in stale.err
    assert "Nothing was published" in stale.err
    assert (tmp_path / "repo" / "channels" / "staging.json").read_bytes() == pointer
    dropped = run("release", "publish", "greet", "--project", "acme", "--channel", "staging",
                  "--to", dest)
    assert dropped.code == 1 and "also serves close" in dropped.err
    assert "--keep-others" in dropped.err
    kept = run("release", "publish", "greet", "--keep-others", "--project", "acme",
               "--channel", "staging", "--to", dest, "--replacing", "1")
    assert kept.code == 0 and "Staging now serves release 2" in kept.out
    assert "unchanged  close" in kept.err and "changed    greet" in kept.err
    renewed = run("release", "renew", "--to", dest, "--channel", "staging")
    assert renewed.code == 0 and "Renewed staging: release 2" in renewed.out
    assert "pointer version 3" in renewed.out
    wrong = run("release", "publish", "greet", "--project", "other", "--channel", "staging",
                "--to", dest)
    assert wrong.code == 1 and "not 'other'" in wrong.err
    bad = run("release", "key", "import", str(tmp_path / "missing.key"))
    assert bad.code != 0
    backup = tmp_path / "k.key"
    assert run("release", "key", "export", str(backup), input="long enough pass\n").code == 0
    wrong_pass = run("release", "key", "import", str(backup), input="not the passphrase\n")
    assert wrong_pass.code == 1 and "wrong passphrase" in wrong_pass.err


def test_a_concurrent_publisher_is_told_what_moved_and_can_publish_on_top(
        run, tmp_path, monkeypatch):
    from desktop.core import releases as core
    from storage.releases.content import Message, PromptContent

    run("release", "keygen")
    bob_key = run("release", "keygen", "--label", "Bob").out.strip()  # Bob's, a co-author
    dest = str(tmp_path / "repo")
    assert run("release", "init-repo", dest, "--project", "acme",
               "--author-key", bob_key).code == 0
    save_prompt(run, tmp_path, "greet")
    save_prompt(run, tmp_path, "close", PROMPT.replace("Greet", "Bye"))
    assert run("release", "publish", "greet", "close", "--project", "acme", "--channel",
               "staging", "--to", dest).code == 0
    save_prompt(run, tmp_path, "greet", PROMPT.replace("Greet", "Hi"))
    original = core.read_channel
    bob = []

    def read_then_someone_publishes(*args, **kwargs):
        live = original(*args, **kwargs)  # what this publisher saw...
        bob.append(f"Later {len(bob) + 1}")
        theirs = dict(live.prompts, close=PromptContent(messages=(Message("user", bob[-1]),)))
        core.publish(dest, theirs, channel="staging", key=bob_key)  # ...then Bob published
        return live

    monkeypatch.setattr(core, "read_channel", read_then_someone_publishes)
    told = run("release", "publish", "greet", "--keep-others", "--project", "acme",
               "--channel", "staging", "--to", dest)
    assert told.code == 1
    assert "Bob published release 2 to staging while you prepared yours" in told.err
    assert "Nothing was overwritten" in told.err and "close (changed)" in told.err
    assert "Run the command again to publish on top" in told.err
    reader = Reader(Path(dest), (tmp_path / "repo" / "root" / "1.root.json").read_bytes(),
                    channel="staging")
    assert reader.release == 2 and reader.get("close").render()[0]["content"] == "Later 1"

    on_top = run("release", "publish", "greet", "--keep-others", "--project", "acme",
                 "--channel", "staging", "--to", dest, "--yes")
    assert on_top.code == 0, on_top.err
    assert "Bob published release 3" in on_top.err  # Bob was quicker again
    assert "Staging now serves release 4" in on_top.out
    reader.refresh()
    assert reader.get("close").render()[0]["content"] == "Later 2"  # Bob's change kept
    assert reader.get("greet").render(name="x")[1]["content"] == "Hi x."  # mine on top
