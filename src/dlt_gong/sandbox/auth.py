"""Gong's authentication: Basic access key + secret, or an OAuth Bearer token, plus scopes.

Secrets and tokens are compared in constant time and never logged or echoed. Each endpoint
needs one OAuth scope (API.md §1); a credential lacking it gets 401 naming the scope.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from dlt_gong.sandbox.clock import SandboxClock
from dlt_gong.sandbox.config import SandboxConfig
from dlt_gong.sandbox.oauth import OAuthIssuer


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``credential`` is the access key or the token (scope key)."""

    credential: str
    kind: str  # "basic", "bearer" or "oauth" (issued by the token endpoint)

    def __repr__(self) -> str:  # never show a token
        return f"Principal(kind={self.kind!r})"


class Authenticator:
    """Checks ``Authorization`` headers against a sandbox config."""

    def __init__(self, config: SandboxConfig, oauth: OAuthIssuer | None = None) -> None:
        self.oauth = oauth or OAuthIssuer(config, SandboxClock(config.now, frozen=True))
        self.expired_token_text = config.oauth_expired_token_text
        self._key = config.access_key.encode()
        self._secret = config.access_key_secret.encode()
        self._tokens = tuple(t.encode() for t in config.bearer_tokens)
        self._scopes = config.scopes

    def authenticate(self, header: str | None) -> Principal | None:
        """The caller behind an ``Authorization`` header, or None if it is not valid."""
        if not header:
            return None
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                return None
            key, sep, secret = decoded.partition(b":")
            ok_key = hmac.compare_digest(key, self._key)
            ok_secret = hmac.compare_digest(secret, self._secret)
            if sep and ok_key and ok_secret:
                return Principal(key.decode(), "basic")
            return None
        if scheme.lower() == "bearer" and value:
            token = value.encode()
            match = False
            for known in self._tokens:  # look at every token: timing says nothing
                match |= hmac.compare_digest(token, known)
            if match:
                return Principal(value, "bearer")
            if self.oauth.check(value) is None:
                return Principal(value, "oauth")
        return None

    def expired(self, header: str | None) -> bool:
        """Whether ``header`` carries an access token the token endpoint issued that has
        since expired (the 401 then says so, when so configured)."""
        scheme, _, value = (header or "").strip().partition(" ")
        return scheme.lower() == "bearer" and self.oauth.check(value.strip()) == "expired"

    def allows(self, principal: Principal, scope: str) -> bool:
        """Whether the caller was granted ``scope`` (always, without a scopes mapping)."""
        if principal.kind == "oauth":
            return scope in self.oauth.granted()
        if self._scopes is None:
            return True
        granted = self._scopes.get(principal.credential)
        return granted is None or scope in granted
