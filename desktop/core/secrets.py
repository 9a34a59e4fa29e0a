"""Secrets (API keys, signing keys) live only in the OS keychain, through `keyring`.

Nothing here ever writes a secret anywhere else. When the system has no usable keychain (a
headless Linux box falls back to a backend that refuses everything) we say so and point to
environment variables instead.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)

SERVICE = "Promptpress"


class SecretsError(Exception):
    """A secret could not be read or stored; the message says what to do."""


class KeychainUnavailable(SecretsError):
    pass


class MissingKey(SecretsError):
    pass


def _keyring():
    import keyring

    return keyring


def keychain_status() -> tuple[bool, str]:
    """(usable, description) of the keychain this system offers."""
    keyring = _keyring()
    from keyring.backends import chainer, fail

    backend = keyring.get_keyring()
    label = f"{type(backend).__module__}.{type(backend).__name__}"
    unusable = isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null")
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        unusable = True
    if unusable:
        log.info("no usable keychain: keyring backend %s", label)
        return False, (
            f"This computer has no keychain Promptpress can use. {install_advice()} "
            "Promptpress never keeps keys anywhere else; until then, put each API key in an "
            "environment variable (for example OPENAI_API_KEY) and give its name instead (in "
            "Providers, or with --api-key-env on the command line)."
        )
    return True, label


def install_advice() -> str:
    """What to install or unlock so that a keychain is there, in this system's words."""
    import sys

    if sys.platform == "darwin":
        return "Unlock the login keychain in Keychain Access, then start Promptpress again."
    if sys.platform == "win32":
        return ("Make sure Windows Credential Manager is running (the Credential Manager "
                "service), then start Promptpress again.")
    return ("Install a keychain service and start it in your desktop session: GNOME Keyring "
            "(sudo apt install gnome-keyring) or KWallet; then log in again and restart "
            "Promptpress.")


def _unavailable(action: str, exc: Exception | None = None) -> KeychainUnavailable:
    usable, text = keychain_status()
    if not usable:
        return KeychainUnavailable(text)
    return KeychainUnavailable(
        f"The keychain refused to {action}: {exc}. You can use an environment variable for the "
        "key instead."
    )


def provider_account(provider_name: str) -> str:
    return f"provider:{provider_name}"


def get_secret(account: str) -> str | None:
    keyring = _keyring()
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, account)
    except KeyringError as exc:
        raise _unavailable("read the key", exc) from None


def set_secret(account: str, secret: str) -> None:
    if not secret:
        raise SecretsError("The key is empty.")
    usable, _ = keychain_status()
    if not usable:
        raise _unavailable("store the key")
    keyring = _keyring()
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, account, secret)
    except KeyringError as exc:
        raise _unavailable("store the key", exc) from None


def delete_secret(account: str) -> bool:
    """Remove a secret; False when there was none (or no keychain to hold one)."""
    keyring = _keyring()
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, account)
    except PasswordDeleteError:
        return False
    except KeyringError:
        return False
    return True


def resolve_api_key(
    provider_name: str,
    key_source: str,
    api_key_env: str | None,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """The API key for a provider, from where its settings say; None when it needs none."""
    environ = os.environ if environ is None else environ
    if key_source == "env":
        value = environ.get(api_key_env or "")
        if not value:
            raise MissingKey(
                f"The key for provider {provider_name!r} should be in the environment variable "
                f"{api_key_env}, which is not set. Set it and try again."
            )
        return value
    if key_source == "keychain":
        value = get_secret(provider_account(provider_name))
        if not value:
            raise MissingKey(
                f"No key for provider {provider_name!r} is in the keychain. Set it in "
                "Providers, or use an environment variable."
            )
        return value
    return None
