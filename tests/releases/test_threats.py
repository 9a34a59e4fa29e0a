"""One named test per threat (DESIGN.md "Releases: TUF-lite"; research/releases-security.md).

Every test uses real Ed25519 signatures and real files. The pattern: release 1 is published and
accepted (and cached); release 2 is published and then attacked. A reader with release 1 must
keep serving it and report the threat in `last_error`; a reader with nothing cached must raise.
"""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from storage.releases import (BadSignature, MalformedError, MixAndMatchError, OversizedError,
                              TamperedError, ThresholdError, UnsafeNameError, UntrustedKeyError,
                              VerificationError, WrongChannelError, WrongProjectError)
from storage.releases.envelope import MANIFEST_TYPE, POINTER_TYPE, Envelope, Signature, sign
from storage.releases.metadata import FileRef, Manifest, Pointer, Root
from storage.releases.repository import Repository
from tests.releases.conftest import make_root
from tests.releases.helpers import (DAY, NOW, blob_file, canonical, flip, manifest_file,
                                    pointer_file, pointer_payload, prompt_blob, prompts,
                                    read_manifest, read_pointer, signed_payload, with_signatures,
                                    write_manifest, write_pointer)


@pytest.fixture
def accepted(repo, keys, open_reader):
    """Release 1 on production, accepted by a caching reader; release 2 then published."""
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    reader = open_reader()
    assert reader.release == 1
    repo.publish(prompts("v2"), channel="production", signer=keys.author)
    return reader


def assert_refused(reader, open_reader, error, channel="production"):
    """The cached reader keeps release 1 and names the threat; a fresh one raises it."""
    assert reader.refresh() is False
    assert reader.release == 1
    assert isinstance(reader.last_error, error), reader.last_error
    assert reader.get("support/p0").render(transcript="t")[1]["content"].startswith("[v1]")
    with pytest.raises(error):
        open_reader(cache=False)


# --- tampered bytes -----------------------------------------------------------------------------


def test_tampered_prompt_blob_byte_flipped(accepted, repo_dir, open_reader):
    flip(prompt_blob(repo_dir, "support/p1"), 40)
    assert_refused(accepted, open_reader, TamperedError)


def test_trailing_space_added_to_prompt_blob(accepted, repo_dir, open_reader):
    path = prompt_blob(repo_dir, "support/p1")
    path.write_bytes(path.read_bytes() + b" ")
    assert_refused(accepted, open_reader, OversizedError)


def test_trailing_space_inside_prompt_text_changes_the_hash(accepted, repo_dir, open_reader):
    path = prompt_blob(repo_dir, "support/p1")
    data = path.read_bytes()
    path.write_bytes(data.replace(b"prompt 1:", b"prompt 1: ", 1)[:-1])  # same length
    assert_refused(accepted, open_reader, TamperedError)


def test_tampered_manifest_byte(accepted, repo_dir, open_reader):
    flip(manifest_file(repo_dir), 100)
    assert_refused(accepted, open_reader, TamperedError)


def test_tampered_pointer_payload(accepted, repo_dir, open_reader):
    path = pointer_file(repo_dir)
    env = Envelope.from_bytes(path.read_bytes(), max_length=1 << 16, what="p")
    payload = env.payload.replace(b'"release":2', b'"release":3')
    path.write_bytes(Envelope(env.payload_type, payload, env.signatures).to_bytes())
    assert_refused(accepted, open_reader, BadSignature)


def test_tampered_signature(accepted, repo_dir, open_reader):
    path = pointer_file(repo_dir)
    env = Envelope.from_bytes(path.read_bytes(), max_length=1 << 16, what="p")
    sig = bytearray(env.signatures[0].sig)
    sig[10] ^= 1
    path.write_bytes(with_signatures(path.read_bytes(),
                                     [Signature(env.signatures[0].keyid, bytes(sig))]))
    assert_refused(accepted, open_reader, BadSignature)


def test_tampered_payload_type(accepted, repo_dir, open_reader):
    path = pointer_file(repo_dir)
    env = Envelope.from_bytes(path.read_bytes(), max_length=1 << 16, what="p")
    path.write_bytes(Envelope(MANIFEST_TYPE, env.payload, env.signatures).to_bytes())
    assert_refused(accepted, open_reader, BadSignature)


def test_validly_signed_document_of_another_type_is_refused(accepted, repo_dir, keys, open_reader):
    # The author's key signs manifests AND pointers: a manifest must never pass as a pointer.
    data = signed_payload(read_pointer(repo_dir).to_payload(), MANIFEST_TYPE, keys.author)
    pointer_file(repo_dir).write_bytes(data)
    assert_refused(accepted, open_reader, TamperedError)


def test_trailing_space_added_to_pointer_file(accepted, repo_dir, open_reader):
    path = pointer_file(repo_dir)
    path.write_bytes(path.read_bytes() + b" ")
    assert_refused(accepted, open_reader, MalformedError)


@pytest.mark.parametrize("which", ["pointer", "manifest", "blob"])
def test_flipping_any_byte_of_any_file_is_refused(accepted, repo_dir, open_reader, which):
    path = {"pointer": lambda: pointer_file(repo_dir), "manifest": lambda: manifest_file(repo_dir),
            "blob": lambda: prompt_blob(repo_dir, "support/p2")}[which]()
    original = path.read_bytes()
    step = 3 if which == "pointer" else max(1, len(original) // 60)
    for offset in range(0, len(original), step):
        flip(path, offset)
        assert accepted.refresh() is False, f"byte {offset} of the {which}"
        assert accepted.release == 1 and isinstance(accepted.last_error, VerificationError)
        path.write_bytes(original)
    assert accepted.refresh() is True and accepted.release == 2


# --- keys ----------------------------------------------------------------------------------------


def test_signed_by_valid_key_outside_the_role(accepted, repo_dir, keys, open_reader):
    p = read_pointer(repo_dir)
    write_pointer(repo_dir, dataclasses.replace(p, version=p.version + 1), keys.outsider)
    assert_refused(accepted, open_reader, UntrustedKeyError)


def test_manifest_signed_by_a_key_outside_the_release_role(accepted, repo_dir, keys, open_reader):
    m = read_manifest(repo_dir)
    ref = write_manifest(repo_dir, m, keys.reviewer)  # reviewer signs pointers, not releases
    p = read_pointer(repo_dir)
    write_pointer(repo_dir, dataclasses.replace(p, version=p.version + 1, manifest=ref),
                  keys.author)
    assert_refused(accepted, open_reader, UntrustedKeyError)


def test_unknown_key_id_in_signature(accepted, repo_dir, open_reader):
    path = pointer_file(repo_dir)
    env = Envelope.from_bytes(path.read_bytes(), max_length=1 << 16, what="p")
    path.write_bytes(with_signatures(path.read_bytes(), [Signature("f" * 64, env.signatures[0].sig)]))
    assert_refused(accepted, open_reader, UntrustedKeyError)


# --- thresholds ----------------------------------------------------------------------------------


def two_signature_repo(tmp_path, keys, clock):
    repo = Repository.init(tmp_path / "r2", make_root(keys, production_threshold=2), keys.root,
                           clock=clock)
    return repo, tmp_path / "r2"


def test_threshold_two_met_by_one_key_signing_twice(tmp_path, keys, clock):
    from storage.releases import Reader
    repo, path = two_signature_repo(tmp_path, keys, clock)
    repo.publish(prompts("v1"), channel="production", signer=keys.author)  # pending
    data = (path / "channels" / "production.pending.json").read_bytes()
    env = Envelope.from_bytes(data, max_length=1 << 16, what="p")
    pointer_file(path).write_bytes(with_signatures(data, list(env.signatures) * 2))
    with pytest.raises(ThresholdError, match="count once"):
        Reader(path, repo.root_bytes(), clock=clock)


def test_threshold_two_met_by_one_key_listed_twice_in_root(keys):
    root = make_root(keys, production_threshold=2)
    role = dataclasses.replace(root.channels["production"],
                               keyids=(root.channels["production"].keyids[0],) * 2)
    with pytest.raises(MalformedError, match="twice"):
        Root.from_payload(dataclasses.replace(
            root, channels={**root.channels, "production": role}).to_payload())


def test_threshold_faked_with_one_key_under_two_key_ids(keys):
    root = make_root(keys, production_threshold=2)
    doc = json.loads(root.to_payload())
    author = doc["channels"]["production"]["keyids"][0]
    fake_id = "e" * 64
    doc["keys"][fake_id] = doc["keys"][author]
    doc["channels"]["production"]["keyids"] = [author, fake_id]
    with pytest.raises(MalformedError, match="wrong key id"):
        Root.from_payload(canonical(doc))


def test_threshold_not_met_by_single_signature(tmp_path, keys, clock):
    from storage.releases import Reader
    repo, path = two_signature_repo(tmp_path, keys, clock)
    repo.publish(prompts("v1"), channel="production", signer=keys.author)
    pointer_file(path).write_bytes((path / "channels" / "production.pending.json").read_bytes())
    with pytest.raises(ThresholdError, match="needs 2"):
        Reader(path, repo.root_bytes(), clock=clock)


# --- parser differentials ------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [
    canonical(pointer_payload())[:-1] + b',"version":9}',             # duplicate version key
    canonical(pointer_payload()).replace(b'"version":1', b'"version":NaN'),
    canonical(pointer_payload()).replace(b'"version":1', b'"version":1e400'),
    canonical(pointer_payload()).replace(b'"version":1', b'"version":1.0'),
    canonical(pointer_payload()).replace(b'"acme"', b'"acm\xff"'),     # invalid UTF-8
    canonical(pointer_payload(extra="field")),                        # unknown field
    canonical(pointer_payload(spec=2)),                               # future format
    canonical(pointer_payload(expires="2026-13-01T00:00:00Z")),
    canonical(pointer_payload(version=True)),
], ids=["duplicate-key", "nan", "1e400", "float", "utf8", "unknown-field", "spec", "time", "bool"])
def test_validly_signed_but_malformed_pointer_payload(accepted, repo_dir, keys, open_reader,
                                                       payload):
    pointer_file(repo_dir).write_bytes(signed_payload(payload, POINTER_TYPE, keys.author))
    assert_refused(accepted, open_reader, MalformedError)


# --- path traversal --------------------------------------------------------------------------------

UNSAFE = ["../x", "/etc/x", "a\\b", "?", "#", "a/../b", "a//b", "C:x", "x\n", "a/./b", "%2e%2e",
          "", "nul", "a/"]


@pytest.mark.parametrize("name", UNSAFE)
def test_unsafe_prompt_name_in_signed_manifest(accepted, repo_dir, keys, open_reader, name):
    m = read_manifest(repo_dir)
    first = next(iter(m.prompts.values()))
    ref = write_manifest(repo_dir, dataclasses.replace(m, prompts={**m.prompts, name: first}),
                         keys.author)
    p = read_pointer(repo_dir)
    write_pointer(repo_dir, dataclasses.replace(p, version=p.version + 1, manifest=ref), keys.author)
    assert_refused(accepted, open_reader, UnsafeNameError)


@pytest.mark.parametrize("name", UNSAFE)
def test_publisher_refuses_unsafe_prompt_names(repo, keys, name):
    with pytest.raises(UnsafeNameError):
        repo.publish([(name, prompts()[0][1])], channel="production", signer=keys.author)


@pytest.mark.parametrize("channel", ["../x", "/etc/x", "a\\b", "?", "#", "Prod", "x.pending"])
def test_unsafe_channel_names_are_refused(repo, keys, repo_dir, channel):
    from storage.releases import Reader
    with pytest.raises(UnsafeNameError):
        repo.publish(prompts(), channel=channel, signer=keys.author)
    with pytest.raises(UnsafeNameError):
        Reader(repo_dir, repo.root_bytes(), channel=channel)


# --- mix-and-match, other projects and channels -----------------------------------------------------


def test_pointer_naming_a_manifest_of_another_release(accepted, repo_dir, keys, open_reader,
                                                       repo):
    old = repo.index().entry(1).manifest
    p = read_pointer(repo_dir)
    write_pointer(repo_dir, dataclasses.replace(p, version=p.version + 1, manifest=old),
                  keys.author)  # claims release 2, names release 1's manifest
    assert_refused(accepted, open_reader, MixAndMatchError)


def test_blob_of_another_prompt_served_under_a_name(accepted, repo_dir, open_reader):
    prompt_blob(repo_dir, "support/p1").write_bytes(prompt_blob(repo_dir, "support/p2").read_bytes())
    assert_refused(accepted, open_reader, VerificationError)


def test_extra_unlisted_file_is_ignored(accepted, repo_dir, open_reader):
    blob_file(repo_dir, "ab" * 32).write_bytes(b"not part of any release")
    (repo_dir / "channels" / "unknown.json").write_bytes(b"junk")
    (repo_dir / "evil.txt").write_bytes(b"junk")
    assert accepted.refresh() is True and accepted.release == 2 and accepted.last_error is None


def test_another_projects_pointer(accepted, repo_dir, keys, clock, tmp_path, open_reader):
    # Same keys, another project: its pointer and blobs copied into this repository.
    beta = Repository.init(tmp_path / "beta", make_root(keys, project="beta"), keys.root,
                           clock=clock)
    beta.publish(prompts("beta"), channel="production", signer=keys.author)
    shutil.copytree(tmp_path / "beta" / "blobs", repo_dir / "blobs", dirs_exist_ok=True)
    pointer_file(repo_dir).write_bytes(pointer_file(tmp_path / "beta").read_bytes())
    assert_refused(accepted, open_reader, WrongProjectError)


def test_another_projects_manifest(accepted, repo_dir, keys, open_reader):
    m = read_manifest(repo_dir)
    ref = write_manifest(repo_dir, dataclasses.replace(m, project="beta"), keys.author)
    p = read_pointer(repo_dir)
    write_pointer(repo_dir, dataclasses.replace(p, version=p.version + 1, manifest=ref), keys.author)
    assert_refused(accepted, open_reader, WrongProjectError)


def test_another_channels_pointer(accepted, repo, repo_dir, keys, open_reader):
    for tag in ("s1", "s2", "s3"):
        repo.publish(prompts(tag), channel="staging", signer=keys.author)
    pointer_file(repo_dir).write_bytes(pointer_file(repo_dir, "staging").read_bytes())
    assert_refused(accepted, open_reader, WrongChannelError)


def test_channel_the_root_does_not_define(tmp_path, keys, clock):
    from storage.releases import Reader
    root = Root.create("acme", root=[keys.root], release=[keys.author],
                       channels={"production": [keys.author]}, expires=NOW + 400 * DAY)
    repo = Repository.init(tmp_path / "r", root, keys.root, clock=clock)
    with pytest.raises(WrongChannelError, match="defines no channel"):
        repo.publish(prompts(), channel="canary", signer=keys.author)
    with pytest.raises(WrongChannelError):
        Reader(tmp_path / "r", repo.root_bytes(), channel="canary", clock=clock)


# --- endless data --------------------------------------------------------------------------------


def test_ten_gigabyte_pointer_is_refused_before_reading(accepted, repo_dir, open_reader):
    with open(pointer_file(repo_dir), "r+b") as f:
        f.truncate(10 * 1024 ** 3)  # sparse: costs nothing unless someone reads it
    assert_refused(accepted, open_reader, OversizedError)


def test_oversized_blob_is_refused_before_hashing(accepted, repo_dir, open_reader):
    with open(prompt_blob(repo_dir, "support/p0"), "r+b") as f:
        f.truncate(1024 ** 3)
    assert_refused(accepted, open_reader, OversizedError)


def test_oversized_manifest_is_refused(accepted, repo_dir, open_reader):
    path = manifest_file(repo_dir)
    path.write_bytes(path.read_bytes() + b"x" * 100)
    assert_refused(accepted, open_reader, OversizedError)


def test_truncated_blob_is_refused(accepted, repo_dir, open_reader):
    path = prompt_blob(repo_dir, "support/p0")
    path.write_bytes(path.read_bytes()[:-5])
    assert_refused(accepted, open_reader, TamperedError)


def test_manifest_claiming_a_huge_blob_is_refused(accepted, repo_dir, keys, open_reader):
    m = read_manifest(repo_dir)
    big = {**m.prompts, "support/p0": FileRef(m.prompts["support/p0"].sha256, 1 << 40)}
    data = sign(MANIFEST_TYPE, Manifest.to_payload(dataclasses.replace(m, prompts=big)),
                [keys.author]).to_bytes()
    import hashlib
    ref = FileRef(hashlib.sha256(data).hexdigest(), len(data))
    blob_file(repo_dir, ref.sha256).write_bytes(data)
    p = read_pointer(repo_dir)
    write_pointer(repo_dir, Pointer(p.project, p.channel, p.version + 1, p.release, ref, p.issued,
                                    p.expires), keys.author)
    assert_refused(accepted, open_reader, MalformedError)
