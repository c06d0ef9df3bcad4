"""Gong credentials, resolved the dlt way (arguments, secrets.toml, env vars).

Two kinds exist because Gong has two: an access key pair made by a technical admin
(Basic auth) and an OAuth app's tokens (Bearer auth). They are separate configspecs so
that dlt's resolver tells a user exactly which keys are missing for the kind they meant,
e.g. ``SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET``.

An OAuth app gives either a ready ``access_token`` (used until Gong refuses it), or
``client_id``, ``client_secret`` and ``refresh_token``, from which `dlt_gong.oauth`
obtains access tokens and keeps the rotated refresh token (see there).
"""

from __future__ import annotations

import base64
from typing import Union

from dlt.common.configuration.specs import CredentialsConfiguration, configspec
from dlt.common.typing import TSecretStrValue


@configspec
class GongApiKeyCredentials(CredentialsConfiguration):
    """An access key and its secret (Gong: Admin center > Settings > Ecosystem > API)."""

    access_key: str = None  # type: ignore[assignment]
    access_key_secret: TSecretStrValue = None  # type: ignore[assignment]

    def authorization(self) -> str:
        """The value of the Authorization header; never logged."""
        pair = f"{self.access_key}:{self.access_key_secret}".encode()
        return "Basic " + base64.b64encode(pair).decode("ascii")

    def describe(self) -> str:
        """Names the credential without revealing its secret (for error messages)."""
        return f"access key {self.access_key!r} and its access_key_secret"


OAUTH_TOKEN_URL = "https://app.gong.io/oauth2/generate-customer-token"
"""Gong's token endpoint (API.md §1: Gong's app guide, and connectors that call it)."""


@configspec
class GongOAuthCredentials(CredentialsConfiguration):
    """A Gong app's OAuth tokens; calls go to the customer's own base URL.

    Either ``access_token`` alone, or ``client_id`` + ``client_secret`` + ``refresh_token``
    (optionally with a current ``access_token`` and its ``access_token_expires_at``, an
    ISO-8601 instant), which lets a load refresh the access token when it expires.
    """

    access_token: TSecretStrValue = None  # type: ignore[assignment]
    client_id: str | None = None
    client_secret: TSecretStrValue | None = None
    refresh_token: TSecretStrValue | None = None
    access_token_expires_at: str | None = None
    token_url: str = OAUTH_TOKEN_URL
    token_store: str | None = None
    """Where the rotated refresh token is kept: a `.json` file, a folder, or a bucket URL
    (`s3://`, `gs://`, `az://`, `file://`); default a file under dlt's data folder."""

    def on_partial(self) -> None:
        """The refresh form needs no access token: resolved without one."""
        if self.can_refresh():
            self.resolve()

    def can_refresh(self) -> bool:
        return bool(self.client_id and self.client_secret and self.refresh_token)

    def authorization(self) -> str:
        """The value of the Authorization header; never logged."""
        return f"Bearer {self.access_token}"

    def describe(self) -> str:
        """Names the credential without revealing it (for error messages)."""
        if self.can_refresh():
            return f"the OAuth access token of app {self.client_id!r}"
        return "the OAuth access_token"


GongCredentials = Union[GongApiKeyCredentials, GongOAuthCredentials]  # noqa: UP007
"""Either kind; dlt tries the access key pair first, then the token."""
