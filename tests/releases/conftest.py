"""Fixtures for release tests: real keys, real files, a clock passed in (never patched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.releases import Reader, Root, generate_key
from storage.releases.repository import Repository
from tests.releases.helpers import NOW, YEAR, Clock, Keys
from tests.support.nginx import nginx, nginx_module  # noqa: F401  (pytest fixtures)


@pytest.fixture(scope="session")
def keys() -> Keys:
    # Key generation is cheap, but sharing keys keeps failures comparable across tests.
    return Keys(author=generate_key(), reviewer=generate_key(), root=generate_key(),
                root2=generate_key(), outsider=generate_key(), author2=generate_key())


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def make_root(keys: Keys, *, project: str = "acme", production_threshold: int = 1,
              version: int = 1, expires: int = NOW + 2 * YEAR) -> Root:
    production = ([keys.author, keys.author2, keys.reviewer], production_threshold)
    return Root.create(project, root=[keys.root], release=[keys.author, keys.author2],
                       channels={"production": production, "staging": [keys.author, keys.author2],
                                 "*": [keys.author]},
                       expires=expires, version=version)


@pytest.fixture
def repo_dir(tmp_path: Path) -> Path:
    return tmp_path / "repo"


@pytest.fixture
def repo(repo_dir: Path, keys: Keys, clock: Clock) -> Repository:
    return Repository.init(repo_dir, make_root(keys), keys.root, clock=clock)


@pytest.fixture
def open_reader(repo: Repository, repo_dir: Path, clock: Clock, tmp_path: Path):
    """open_reader(channel=..., cache=True, source=...) -> Reader on the repo, with the clock."""

    pinned = repo.root_bytes()  # what an engineer copies into their repository once

    def _open(channel: str = "production", *, cache: bool | Path = True,
              source: object = None, **options: object) -> Reader:
        cache_dir = (tmp_path / "cache") if cache is True else (cache or None)
        return Reader(source or repo_dir, pinned, channel=channel,
                      cache_dir=cache_dir, clock=clock, **options)  # type: ignore[arg-type]

    return _open
