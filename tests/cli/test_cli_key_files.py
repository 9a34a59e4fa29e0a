"""Signing where there is no keychain: key files (`release keygen --key-file`, `--key-file` on every
signing verb), in a `promptpress` process whose keyring is keyring's failing backend, as on a
build server. The passphrase comes from an environment variable or one line of standard input."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from storage.releases import Reader
from tests.cli.test_cli_releases import ReleaseCLI, save_prompt

NO_KEYCHAIN = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
AUTHOR_PASS = "the author's long passphrase"
REVIEWER_PASS = "the reviewer's long passphrase"


@pytest.fixture
def ci(tmp_path) -> ReleaseCLI:
    """The CLI on a machine without a keychain; AUTHOR_PASS is in $SIGNING_PASSPHRASE."""
    cli = ReleaseCLI(tmp_path / "ci.promptpress")
    cli.env.update(NO_KEYCHAIN, SIGNING_PASSPHRASE=AUTHOR_PASS)
    return cli


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def repo(ci, tmp_path):
    """author.key, reviewer.key, and a repository whose production channel needs both."""
    author, reviewer = tmp_path / "keys" / "author.key", tmp_path / "keys" / "reviewer.key"
    made = ci("release", "keygen", "--key-file", str(author), "--label", "CI publisher",
              "--passphrase-env", "SIGNING_PASSPHRASE")
    assert made.code == 0, made.err
    assert len(made.out.strip()) == 64 and f"--key-file {author}" in made.err
    reviewed = ci("release", "keygen", "--key-file", str(reviewer), "--label", "Rami",
                  "--passphrase-stdin", input=REVIEWER_PASS + "\n")
    assert reviewed.code == 0, reviewed.err
    dest = tmp_path / "repo"
    init = ci("release", "init-repo", str(dest), "--project", "acme", "--channel", "staging",
              "--channel", "production:2", "--reviewer-key", f"{reviewer}.pub",
              "--key-file", str(author), "--passphrase-env", "SIGNING_PASSPHRASE")
    assert init.code == 0, init.err
    assert "signed with CI publisher" in init.err
    save_prompt(ci, tmp_path, "support/greet")
    return author, reviewer, dest


def test_key_files_are_encrypted_private_and_beside_their_public_key(ci, repo):
    author, reviewer, _ = repo
    for key in (author, reviewer):
        assert mode(key) == 0o600
        data = key.read_bytes()
        assert b"ENCRYPTED PRIVATE KEY" in data and b"PRIVATE KEY-----" in data
        assert b"Promptpress signing key (public part" in Path(f"{key}.pub").read_bytes()
    again = ci("release", "keygen", "--key-file", str(author), "--passphrase-env",
               "SIGNING_PASSPHRASE")
    assert again.code == 1 and "exists already" in again.err
    short = ci("release", "keygen", "--key-file", str(author.with_name("short.key")),
               "--passphrase-stdin", input="short\n")
    assert short.code == 1 and "at least 8 characters" in short.err
    assert not author.with_name("short.key").exists()


def test_without_a_keychain_keygen_points_to_key_files(ci):
    refused = ci("release", "keygen")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert "has no keychain" in refused.err and "--key-file PATH" in refused.err


def test_a_ci_job_publishes_promotes_renews_and_a_reviewer_approves_with_key_files(ci, repo):
    author, reviewer, dest = repo
    signing = ("--key-file", str(author), "--passphrase-env", "SIGNING_PASSPHRASE")
    published = ci("release", "publish", "support/greet", "--project", "acme", "--channel",
                   "staging", "--to", str(dest), *signing)
    assert published.code == 0, published.err
    assert "Staging now serves release 1" in published.out
    renewed = ci("release", "renew", "--to", str(dest), "--channel", "staging", *signing)
    assert renewed.code == 0 and "Renewed staging: release 1" in renewed.out

    promoted = ci("release", "promote", "--to", str(dest), *signing)
    assert promoted.code == 0, promoted.err
    assert "waits for approval on production (1 of 2" in promoted.out
    approved = ci("release", "approve", "--to", str(dest), "--channel", "production", "--yes",
                  "--key-file", str(reviewer), "--passphrase-stdin", input=REVIEWER_PASS + "\n")
    assert approved.code == 0, approved.err
    assert "support/greet: added" in approved.out and "Production now serves release 1" in approved.out

    reader = Reader(dest, (dest / "root" / "1.root.json").read_bytes())
    assert reader.release == 1
    assert reader.get("support/greet").render(name="Bo")[1]["content"] == "Greet Bo."


def test_a_key_file_others_can_read_is_refused_with_the_command_that_fixes_it(ci, repo):
    author, _, dest = repo
    author.chmod(0o640)
    refused = ci("release", "publish", "support/greet", "--project", "acme", "--channel",
                 "staging", "--to", str(dest), "--key-file", str(author), "--passphrase-env",
                 "SIGNING_PASSPHRASE")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert "open to other users (permissions 640)" in refused.err
    assert f"chmod 600 {author}" in refused.err
    assert not (dest / "channels" / "staging.json").exists()  # nothing was published
    author.chmod(0o600)
    assert ci("release", "publish", "support/greet", "--project", "acme", "--channel", "staging",
              "--to", str(dest), "--key-file", str(author), "--passphrase-env",
              "SIGNING_PASSPHRASE").code == 0


def test_a_wrong_or_missing_passphrase_is_one_clear_line(ci, repo):
    author, _, dest = repo
    publish = ("release", "publish", "support/greet", "--project", "acme", "--channel", "staging",
               "--to", str(dest), "--key-file", str(author))
    wrong = ci(*publish, "--passphrase-stdin", input="not the passphrase\n")
    assert wrong.code == 1 and "Traceback" not in wrong.err
    [line] = wrong.err.strip().splitlines()
    assert line == (f"promptpress: Wrong passphrase for the key file {author} (or the file is "
                    "damaged). Nothing was signed.")
    unset = ci(*publish, "--passphrase-env", "NOT_SET_ANYWHERE")
    assert unset.code == 1 and "NOT_SET_ANYWHERE is not set" in unset.err
    no_terminal = ci(*publish, input="")
    assert no_terminal.code == 1 and "no terminal" in no_terminal.err
    assert "--passphrase-env VAR" in no_terminal.err
    stray = ci("release", "renew", "--to", str(dest), "--channel", "staging", "--passphrase-stdin")
    assert stray.code == 1 and "go with --key-file" in stray.err
    assert not (dest / "channels" / "staging.json").exists()
