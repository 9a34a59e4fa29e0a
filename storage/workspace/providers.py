"""Providers: model endpoints with their non-secret settings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Provider


class ProviderError(Exception):
    """A request about providers the user can fix."""


def list_providers(session: Session) -> list[Provider]:
    return list(session.scalars(select(Provider).order_by(Provider.name)))


def get_provider(session: Session, name: str) -> Provider | None:
    return session.scalar(select(Provider).where(Provider.name == name))


def require_provider(session: Session, name: str) -> Provider:
    provider = get_provider(session, name)
    if provider is None:
        known = ", ".join(p.name for p in list_providers(session)) or "none yet"
        raise ProviderError(
            f"There is no provider named {name!r} (known: {known}). "
            "Add one with `promptpress provider add`."
        )
    return provider


def refuse_taken(session: Session, name: str) -> None:
    """ProviderError when a provider is already called `name`."""
    if get_provider(session, name) is not None:
        raise ProviderError(f"A provider named {name!r} exists already; remove it first or pick another name.")


def add_provider(
    session: Session,
    name: str,
    model: str,
    *,
    base_url: str | None = None,
    parameters: dict | None = None,
    key_source: str = "none",
    api_key_env: str | None = None,
    max_concurrency: int | None = None,
) -> Provider:
    name = name.strip()
    if not name or "@" in name or "/" in name:
        raise ProviderError("A provider name must be non-empty and contain no '@' or '/'.")
    if not model.strip():
        raise ProviderError("A provider needs a model id, such as openai/gpt-4o-mini.")
    if key_source not in ("none", "keychain", "env"):
        raise ProviderError(f"Unknown key source {key_source!r}.")
    if key_source == "env" and not api_key_env:
        raise ProviderError("Name the environment variable that holds the key.")
    refuse_taken(session, name)
    provider = Provider(
        name=name,
        model=model.strip(),
        base_url=(base_url or "").strip() or None,
        parameters=dict(parameters or {}),
        key_source=key_source,
        api_key_env=api_key_env,
        max_concurrency=max_concurrency,
    )
    session.add(provider)
    session.flush()
    return provider


def remove_provider(session: Session, name: str) -> Provider:
    provider = require_provider(session, name)
    session.delete(provider)
    session.flush()
    return provider
