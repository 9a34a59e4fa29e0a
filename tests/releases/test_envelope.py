"""Envelopes: PAE, signing, thresholds, and fuzzing of the envelope parser."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.releases import generate_key, key_id
from storage.releases.envelope import (POINTER_TYPE, Envelope, Signature, add_signature, pae,
                                       sign, verify_threshold)
from storage.releases.errors import (BadSignature, MalformedError, ThresholdError,
                                     UntrustedKeyError, VerificationError)

KEY_A, KEY_B, KEY_C = generate_key(), generate_key(), generate_key()
KEYS = {key_id(k): k.public_key() for k in (KEY_A, KEY_B, KEY_C)}
MAX = 1 << 16


def check(env: Envelope, *, keyids=None, threshold=1):
    return verify_threshold(env, payload_type=POINTER_TYPE,
                            keyids=keyids or [key_id(KEY_A), key_id(KEY_B)],
                            threshold=threshold, keys=KEYS, what="test")


def test_pae_matches_the_dsse_specification():
    assert pae("http://example.com/HelloWorld", b"hello world") == \
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"


def test_signed_envelope_round_trips_through_its_canonical_bytes():
    env = sign(POINTER_TYPE, b'{"a":1}', [KEY_A, KEY_B])
    again = Envelope.from_bytes(env.to_bytes(), max_length=MAX, what="test")
    assert again == env
    assert check(again, threshold=2) == {key_id(KEY_A), key_id(KEY_B)}


def test_add_signature_replaces_a_second_signature_by_the_same_key():
    env = add_signature(sign(POINTER_TYPE, b"{}", [KEY_A]), KEY_A)
    assert env.signed_by() == (key_id(KEY_A),)


def test_signature_by_one_key_twice_counts_once():
    env = sign(POINTER_TYPE, b"{}", [KEY_A])
    doubled = Envelope(env.payload_type, env.payload, env.signatures * 2)
    with pytest.raises(ThresholdError, match="count once"):
        check(doubled, threshold=2)


def test_signature_by_key_outside_role_is_untrusted():
    with pytest.raises(UntrustedKeyError):
        check(sign(POINTER_TYPE, b"{}", [KEY_C]))


def test_changed_payload_type_breaks_the_signature():
    env = sign(POINTER_TYPE, b"{}", [KEY_A])
    with pytest.raises(BadSignature):
        check(Envelope("application/vnd.promptpress.manifest+json", env.payload, env.signatures))


def test_signature_claiming_another_keys_id_fails():
    env = sign(POINTER_TYPE, b"{}", [KEY_C])
    forged = Envelope(env.payload_type, env.payload,
                      (Signature(key_id(KEY_A), env.signatures[0].sig),))
    with pytest.raises(BadSignature):
        check(forged)


@pytest.mark.parametrize("mutate", [
    lambda o: o.update(extra=1),
    lambda o: o.pop("signatures"),
    lambda o: o.update(payload=o["payload"].rstrip("=")),           # unpadded base64
    lambda o: o.update(payload=o["payload"][:-2] + "b="),            # spare bits set
    lambda o: o.update(payload="!!!!"),
    lambda o: o["signatures"][0].update(keyid="ABC"),
    lambda o: o["signatures"][0].update(sig=base64.b64encode(b"x" * 63).decode()),
    lambda o: o["signatures"][0].update(extra="x"),
    lambda o: o.update(signatures=[o["signatures"][0]] * 65),
])
def test_malformed_envelopes_are_refused(mutate):
    obj = json.loads(sign(POINTER_TYPE, b'{"k":"vv"}', [KEY_A]).to_bytes())
    mutate(obj)
    data = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(MalformedError):
        Envelope.from_bytes(data, max_length=MAX, what="test")


# --- fuzzing ----------------------------------------------------------------------------------

VALID = sign(POINTER_TYPE, b'{"type":"pointer","version":3}', [KEY_A, KEY_B]).to_bytes()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children,
                                                                       max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes_only_ever_raise_verification_errors(data):
    try:
        env = Envelope.from_bytes(data, max_length=1024, what="fuzz")
    except VerificationError:
        return
    assert env.to_bytes() == data  # anything accepted is in its one canonical spelling


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fuzz_json_documents_only_ever_raise_verification_errors(value):
    data = json.dumps(value).encode()
    try:
        Envelope.from_bytes(data, max_length=MAX, what="fuzz")
    except VerificationError:
        pass


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=len(VALID) - 1), st.integers(min_value=1, max_value=255))
def test_fuzz_any_byte_flip_of_a_signed_envelope_is_refused(offset, xor):
    data = bytearray(VALID)
    data[offset] ^= xor
    try:
        env = Envelope.from_bytes(bytes(data), max_length=MAX, what="fuzz")
        check(env, threshold=2)
    except VerificationError:
        return
    pytest.fail(f"flipping byte {offset} with {xor:#x} was accepted")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512), st.text(max_size=60))
def test_fuzz_any_payload_and_type_round_trip(payload, payload_type):
    env = sign(payload_type, payload, [KEY_A])
    again = Envelope.from_bytes(env.to_bytes(), max_length=MAX, what="fuzz")
    assert again == env
    valid_for_type = verify_threshold(again, payload_type=payload_type, keyids=[key_id(KEY_A)],
                                      threshold=1, keys=KEYS, what="fuzz")
    assert valid_for_type == {key_id(KEY_A)}
