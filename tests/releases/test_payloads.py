"""The signed documents' bytes, pinned: what a reader verifies must not drift with a refactor."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from storage.releases.metadata import FileRef, Index, IndexEntry, Manifest, Pointer, Root

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
KID = "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c"
PUBLIC = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
REF = FileRef("ab" * 32, 120)
REF_JSON = '{"length":120,"sha256":"' + "ab" * 32 + '"}'
ROLE = '{"keyids":["' + KID + '"],"threshold":1}'
T0, T14 = 1_790_000_000, 1_791_209_600  # 2026-09-21T14:13:20Z and 14 days later

DOCUMENTS = [
    (Root.create("acme", root=[KEY], release=[KEY], channels={"production": ([KEY], 1)},
                 expires=T0),
     '{"channels":{"production":' + ROLE + '},"expires":"2026-09-21T14:13:20Z","keys":{"'
     + KID + '":{"keytype":"ed25519","public":"' + PUBLIC + '"}},"project":"acme","roles":'
     '{"release":' + ROLE + ',"root":' + ROLE + '},"spec":1,"type":"root","version":1}'),
    (Manifest("acme", 3, {"support/summarize": REF}, T0, "Ann", "warmer tone"),
     '{"author":"Ann","created":"2026-09-21T14:13:20Z","notes":"warmer tone","project":"acme",'
     '"prompts":{"support/summarize":' + REF_JSON + '},"release":3,"spec":1,"type":"manifest"}'),
    (Pointer("acme", "production", 7, 3, REF, T0, T14),
     '{"channel":"production","expires":"2026-10-05T14:13:20Z","issued":"2026-09-21T14:13:20Z",'
     '"manifest":' + REF_JSON + ',"project":"acme","release":3,"spec":1,"type":"pointer",'
     '"version":7}'),
    (Index("acme", 2, (IndexEntry(3, REF, T0, "Ann", 1),)),
     '{"project":"acme","releases":[{"author":"Ann","created":"2026-09-21T14:13:20Z","manifest":'
     + REF_JSON + ',"prompts":1,"release":3}],"spec":1,"type":"index","version":2}'),
]


@pytest.mark.parametrize("document, expected", DOCUMENTS,
                         ids=[type(d).__name__ for d, _ in DOCUMENTS])
def test_payload_bytes_are_pinned_and_read_back(document, expected):
    payload = document.to_payload()
    assert payload == expected.encode("utf-8")
    again = type(document).from_payload(payload)
    assert again.to_payload() == payload
