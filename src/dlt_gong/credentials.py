"""Gong credentials, resolved the dlt way (arguments, secrets.toml, env vars).

Two kinds exist because Gong has two: an access key pair made by a technical admin
(Basic auth) and an OAuth access token from a Gong app (Bearer auth). They are separate
configspecs so that dlt's resolver tells a user exactly which keys are missing for the
kind they meant, e.g. ``SOURCES__GONG__CREDENTIALS__ACCESS_KEY_SECRET``.
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


@configspec
class GongOAuthCredentials(CredentialsConfiguration):
    """An OAuth access token of a Gong app; calls go to the customer's own base URL."""

    access_token: TSecretStrValue = None  # type: ignore[assignment]

    def authorization(self) -> str:
        """The value of the Authorization header; never logged."""
        return f"Bearer {self.access_token}"

    def describe(self) -> str:
        """Names the credential without revealing it (for error messages)."""
        return "the OAuth access_token"


GongCredentials = Union[GongApiKeyCredentials, GongOAuthCredentials]  # noqa: UP007
"""Either kind; dlt tries the access key pair first, then the token."""
