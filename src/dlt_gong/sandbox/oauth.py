"""Gong's OAuth token endpoint: short-lived access tokens, single-use refresh tokens.

``POST /oauth2/generate-customer-token?grant_type=refresh_token&refresh_token=...`` with
``Authorization: Basic base64(client_id:client_secret)`` answers ``access_token,
refresh_token, expires_in, scope, token_type, api_base_url_for_customer`` (API.md §1,
from Gong's app guide and connectors that call it). Every refresh spends the refresh
token it was given and issues a new one (Gong: refresh tokens are single use). An access
token lives ``oauth_access_token_seconds`` on the sandbox clock; tests can also expire
every issued access token at once (:meth:`OAuthIssuer.expire_access_tokens`).

What Gong's docs do not say, and the sandbox therefore only guesses: the error body of a
spent or unknown refresh token (here RFC 6749 §5.2: 400 ``{"error": "invalid_grant"}``),
and the 401 text for an expired access token (``oauth_expired_token_text``: "expired"
sends :data:`messages.ACCESS_TOKEN_EXPIRED`, "generic" Gong's usual invalid-credentials
text).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
from dataclasses import dataclass

from dlt_gong.sandbox.clock import SandboxClock
from dlt_gong.sandbox.config import SandboxConfig

TOKEN_PATH = "/oauth2/generate-customer-token"


@dataclass(frozen=True)
class TokenAnswer:
    """What the token endpoint sends: a status and a JSON body."""

    status: int
    body: dict[str, object]


class OAuthIssuer:
    """The tokens of one Gong app installed in the sandbox's company."""

    def __init__(self, config: SandboxConfig, clock: SandboxClock) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._refresh_tokens = set(config.oauth_refresh_tokens)
        self._access: dict[str, float] = {}  # access token -> expires at (sandbox clock)
        self.issued: list[str] = []
        """Every token issued, in order (tests grep outputs for them)."""
        self.refreshes = 0
        """Refreshes granted so far."""
        self.refused = 0
        """Refresh requests refused (bad client, spent or unknown refresh token)."""
        self.every_scope: frozenset[str] = frozenset()
        """Every scope the API's endpoints need (the app sets it): what an app granted
        everything is told it has."""

    def _new(self, kind: str) -> str:
        """Deterministic per seed and order, so the same run issues the same tokens."""
        digest = hashlib.sha256(f"{self._config.seed}:{kind}:{len(self.issued)}".encode())
        self.issued.append(f"sbx-{kind}-{digest.hexdigest()[:32]}")
        return self.issued[-1]

    def grant(self, authorization: str | None, query: dict[str, str], base_url: str) -> TokenAnswer:
        """Answers one call of the token endpoint."""
        if not self._client_ok(authorization):
            with self._lock:
                self.refused += 1
            return TokenAnswer(401, {"error": "invalid_client"})
        if query.get("grant_type") != "refresh_token" or not query.get("refresh_token"):
            return TokenAnswer(400, {"error": "unsupported_grant_type"})
        with self._lock:
            if query["refresh_token"] not in self._refresh_tokens:
                self.refused += 1
                return TokenAnswer(400, {"error": "invalid_grant"})  # (guess: RFC 6749)
            self._refresh_tokens.discard(query["refresh_token"])  # single use
            access, refresh = self._new("at"), self._new("rt")
            lifetime = self._config.oauth_access_token_seconds
            self._access[access] = self._clock.timestamp() + lifetime
            self._refresh_tokens.add(refresh)
            self.refreshes += 1
        return TokenAnswer(
            200,
            {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": int(lifetime),
                "scope": " ".join(sorted(self.granted())),
                "token_type": "bearer",
                "api_base_url_for_customer": base_url,
            },
        )

    def granted(self) -> frozenset[str]:
        """The scopes this app's access tokens carry."""
        scopes = self._config.oauth_scopes
        return self.every_scope if scopes is None else scopes

    def check(self, token: str) -> str | None:
        """None for an access token this issuer granted that is still alive; else why not:
        "expired" or "unknown"."""
        with self._lock:
            expires = None
            for known, at in self._access.items():  # every token: timing says nothing
                if hmac.compare_digest(known.encode(), token.encode()):
                    expires = at
        if expires is None:
            return "unknown"
        return "expired" if self._clock.timestamp() >= expires else None

    def expire_access_tokens(self) -> None:
        """Every access token issued so far expires now (as a day passing would)."""
        with self._lock:
            now = self._clock.timestamp()
            self._access = {t: min(at, now) for t, at in self._access.items()}

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token stops working (the app was uninstalled or re-authorized)."""
        with self._lock:
            self._refresh_tokens.clear()

    def _client_ok(self, authorization: str | None) -> bool:
        scheme, _, value = (authorization or "").strip().partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        client_id, sep, secret = decoded.partition(b":")
        ok_id = hmac.compare_digest(client_id, self._config.oauth_client_id.encode())
        ok_secret = hmac.compare_digest(secret, self._config.oauth_client_secret.encode())
        return bool(sep) and ok_id and ok_secret
