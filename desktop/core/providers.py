"""Providers as the app and the CLI use them: settings in the workspace, keys in the keychain."""

from __future__ import annotations

from dataclasses import dataclass

from storage.workspace import providers as repo
from storage.workspace.db import Workspace
from storage.workspace.models import Provider

from .secrets import SecretsError, delete_secret, provider_account, resolve_api_key, set_secret


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """A provider's non-secret settings, detached from any database session."""

    name: str
    model: str
    base_url: str | None
    parameters: dict
    key_source: str
    api_key_env: str | None
    max_concurrency: int | None

    @classmethod
    def of(cls, p: Provider) -> "ProviderSettings":
        return cls(p.name, p.model, p.base_url, dict(p.parameters or {}), p.key_source,
                   p.api_key_env, p.max_concurrency)

    def api_key(self) -> str | None:
        return resolve_api_key(self.name, self.key_source, self.api_key_env)


def add_provider(
    workspace: Workspace,
    name: str,
    model: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    api_key_env: str | None = None,
    parameters: dict | None = None,
    max_concurrency: int | None = None,
) -> ProviderSettings:
    """Add a provider. A given key goes to the keychain first; if that fails nothing is saved."""
    if api_key is not None and api_key_env:
        raise SecretsError("Give either a key or the environment variable holding it, not both.")
    key_source = "keychain" if api_key is not None else "env" if api_key_env else "none"
    with workspace.session() as session:
        repo.refuse_taken(session, name.strip())
    if api_key is not None:
        set_secret(provider_account(name.strip()), api_key.strip())
    try:
        with workspace.session() as session:
            provider = repo.add_provider(
                session, name, model, base_url=base_url, parameters=parameters,
                key_source=key_source, api_key_env=api_key_env, max_concurrency=max_concurrency,
            )
            return ProviderSettings.of(provider)
    except BaseException:
        if api_key is not None:
            delete_secret(provider_account(name.strip()))
        raise


def update_provider(
    workspace: Workspace,
    name: str,
    *,
    model: str,
    base_url: str | None,
    parameters: dict | None = None,
    api_key: str | None = None,
    api_key_env: str | None = None,
    keep_key: bool = True,
    max_concurrency: int | None = None,
) -> ProviderSettings:
    """Change a provider's settings; `api_key` replaces its stored key, `keep_key` keeps it."""
    if api_key is not None:
        set_secret(provider_account(name), api_key.strip())
    with workspace.session() as session:
        provider = repo.require_provider(session, name)
        provider.model = model.strip()
        provider.base_url = (base_url or "").strip() or None
        provider.parameters = dict(parameters or {})
        provider.max_concurrency = max_concurrency
        if api_key is not None:
            provider.key_source, provider.api_key_env = "keychain", None
        elif api_key_env:
            provider.key_source, provider.api_key_env = "env", api_key_env
        elif not keep_key:
            provider.key_source, provider.api_key_env = "none", None
        settings = ProviderSettings.of(provider)
    if settings.key_source != "keychain":
        delete_secret(provider_account(name))
    return settings


def remove_provider(workspace: Workspace, name: str) -> None:
    with workspace.session() as session:
        repo.remove_provider(session, name)
    delete_secret(provider_account(name))


def list_providers(workspace: Workspace) -> list[ProviderSettings]:
    with workspace.session() as session:
        return [ProviderSettings.of(p) for p in repo.list_providers(session)]


def get_provider(workspace: Workspace, name: str) -> ProviderSettings:
    with workspace.session() as session:
        return ProviderSettings.of(repo.require_provider(session, name))
