"""Credentials for the authoring API, and the secrets a run must never show.

A resource authenticates with a subscription key (one header) or with an Azure AD
bearer token from `azure-identity`, an optional extra imported only when a
resource asks for it. Every key and token the run handles is remembered here, so
that logs and error messages can be scrubbed of them as a last line of defence.
"""

from __future__ import annotations

import importlib
import ipaddress
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from archiver.errors import ConfigError

KEY_HEADER = "Ocp-Apim-Subscription-Key"
AAD_SCOPE = "https://cognitiveservices.azure.com/.default"
REDACTED = "[redacted]"

# A token is fetched anew this long before it expires, so no request carries one
# that lapses on the way.
_REFRESH_MARGIN = 300.0
# Shorter values could be ordinary words; scrubbing them would mangle messages.
_MIN_SECRET_LENGTH = 8

_secrets: set[str] = set()
_secrets_lock = threading.Lock()


class TokenCredential(Protocol):
    """What `azure-identity` credentials offer: `get_token(scope)` → `.token`, `.expires_on`."""

    def get_token(self, *scopes: str) -> Any: ...


def remember_secret(value: str) -> None:
    """Mark a key or token as secret for the rest of the run."""
    if len(value) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """`text` with every secret known to the run replaced by a marker."""
    with _secrets_lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def azure_identity_credential() -> TokenCredential:
    """`DefaultAzureCredential` from azure-identity, which is installed only on request."""
    try:
        identity = importlib.import_module("azure.identity")
    except ImportError:
        raise ConfigError(
            "auth = 'azure-identity' needs the azure-identity package: "
            "pip install 'archiver[azure]'"
        ) from None
    credential: TokenCredential = identity.DefaultAzureCredential()
    return credential


class BearerAuth(requests.auth.AuthBase):
    """Adds `Authorization: Bearer …` to each request, renewing the token before it lapses."""

    def __init__(
        self, credential: TokenCredential, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._credential = credential
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._expires_on = 0.0

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request

    def token(self) -> str:
        with self._lock:
            if not self._token or self._clock() >= self._expires_on - _REFRESH_MARGIN:
                self._token, self._expires_on = self._fetch()
            return self._token

    def _fetch(self) -> tuple[str, float]:
        try:
            access = self._credential.get_token(AAD_SCOPE)
            token, expires_on = str(access.token), float(access.expires_on)
        except Exception as exc:
            # Credential chains raise their own error types; the name and message tell
            # a person which source failed without a traceback.
            raise ConfigError(
                f"cannot get an Azure AD token: {type(exc).__name__}: {redact(str(exc))}"
            ) from None
        remember_secret(token)
        return token, expires_on


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or `localhost`: traffic that never leaves the machine."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_transport(endpoint: str, *, bearer: bool = False) -> None:
    """Refuse to send credentials in clear text: https, or http to loopback for keys only."""
    parts = urlsplit(endpoint)
    if parts.scheme == "https":
        return
    if bearer:
        raise ConfigError(f"{endpoint}: Azure AD tokens are sent over https only")
    if parts.scheme != "http" or not is_loopback(parts.hostname):
        raise ConfigError(
            f"{endpoint}: use https:// (plain http is allowed only to this machine's "
            "loopback addresses)"
        )
