"""OAuth access tokens that refresh, and the refresh token kept where the next run finds it.

Gong's OAuth (API.md §1): ``POST https://app.gong.io/oauth2/generate-customer-token``
with ``grant_type=refresh_token&refresh_token=...`` on the query string and Basic auth
``client_id:client_secret`` answers ``access_token, refresh_token, expires_in, scope,
token_type, api_base_url_for_customer``; later calls go to ``api_base_url_for_customer``.
Access tokens expire (a day by default: UNCERTAIN, one source). Refresh tokens are
single use: each refresh returns the next one, and the one just used is dead.

So the newest refresh token must outlive the process. `TokenStore` keeps it in one JSON
file readable only by the user (0600, in a 0700 folder), by default beside dlt's
pipelines: ``<dlt data dir>/gong_oauth/<fingerprint>.json`` (``~/.dlt`` for a user,
``/var/dlt`` for root, ``$DLT_DATA_DIR`` when set), never in the destination. The file
is named by a fingerprint (SHA-256) of the client id and the refresh token the user
configured, so one authorization's chain of rotated tokens has one file, and a new
authorization (a new configured refresh token) starts a new one. ``credentials.token_store``
puts the file elsewhere (a path, a folder) or on a bucket (`BucketTokenStore`: machines
that live for one run share it), and a secrets manager keeps it through a hook
(`HookTokenStore`); `open_store` tells which.

Crash safety, step by step (`OAuthSession._refresh`), under an exclusive file lock so that
two runs never spend the same refresh token:

1. re-read the file: another run may have refreshed already (then its access token is
   used, and nothing is spent);
2. ask Gong for new tokens with the newest refresh token;
3. write Gong's answer to a temp file, fsync, rename it over the store, fsync the folder;
4. only then use the new access token.

A run that dies before its request reaches Gong (or whose request Gong refuses) leaves
the store as it was, holding a refresh token Gong has not spent: the next run refreshes
with it. A run that dies after the rename leaves the new tokens: the next run uses them,
without a refresh while the access token lives. The store is never half-written (the
rename is atomic), so no run reads a torn token. The one window no client can close is
between Gong spending the old refresh token and the rename (one round trip and one small
write): Gong then holds the only copy of the new refresh token. The next run's refresh is
refused and it stops with one line (exit 2): authorize the app again and configure the
new refresh_token; nothing loaded is lost and the load continues from its saved
positions. Tokens are reused across runs while they live, so a refresh, and this window,
comes once per access-token lifetime (a day at Gong), not once per run.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, Union

import requests
from filelock import FileLock

from dlt_gong.credentials import GongOAuthCredentials
from dlt_gong.errors import GongAuthError, GongConfigError, GongUnavailableError

logger = logging.getLogger("dlt_gong")

SPENT = "Gong refused the OAuth refresh token"
"""How the refusal of a refresh token begins."""
EARLY_SECONDS = 60.0
"""Refresh this long before an access token expires (at most a tenth of its life)."""
TOKEN_ATTEMPTS = 3
"""Tries of the token endpoint on 5xx and connection failures (never on a refusal)."""


@dataclass(frozen=True)
class Tokens:
    """What one refresh gave, as kept in the store."""

    configured: str  # fingerprint of the configured client id + refresh token (not a secret)
    refresh_token: str
    access_token: str | None = None
    refresh_at: float | None = None
    """Epoch seconds: a minute (at most a tenth of its life) before the access token
    expires; None when its expiry is unknown (then it is used until Gong refuses it)."""
    api_base_url: str | None = None
    scope: str | None = None
    """The scopes Gong's answer said the app was granted, as it said them (None: unsaid)."""

    def __repr__(self) -> str:  # never show a token
        return f"Tokens(refresh_at={self.refresh_at!r}, api_base_url={self.api_base_url!r})"


class TokenStore:
    """One JSON file, 0600, replaced atomically; a lock file beside it for refreshes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)
        """Where the tokens are kept, for messages (never the tokens)."""
        self._lock = FileLock(str(path) + ".lock")

    @classmethod
    def default_path(cls, fingerprint: str) -> Path:
        from dlt.common.runtime import run_context

        folder = Path(run_context.active().get_data_entity("gong_oauth"))
        return folder / f"{fingerprint[:24]}.json"

    def locked(self) -> contextlib.AbstractContextManager[Any]:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self._lock

    def load(self) -> Tokens | None:
        try:
            return _parse(self.path.read_text(), self.where)
        except FileNotFoundError:
            return None

    def save(self, tokens: Tokens) -> None:
        """Atomic: the file holds the old tokens or the new ones, never a mix."""
        folder = self.path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tokens-", suffix=".tmp")  # 0600
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(asdict(tokens), f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_folder(folder)


LEASE_SECONDS = 120.0
"""How long a bucket store's refresh lease holds (a refresh is one round trip to Gong)."""
LEASE_SETTLE_SECONDS = 1.0
"""The pause between writing a lease and reading it back: a run that wrote its lease at
the same moment has overwritten it by then, and only one of the two reads its own."""


class BucketTokenStore:
    """One JSON object on any filesystem dlt's filesystem destination reaches (`s3://`,
    `gs://`, `az://`, ...), through fsspec with dlt's authentication: the destination's
    credentials (`destination.filesystem.credentials`), else the provider's defaults.

    A bucket has no file lock. A refresh takes a lease instead: a ``.lease`` object beside
    the tokens naming this run and when it ends, written only when no live lease of
    another run is there, and read back after a pause (write, then re-read: of two runs
    writing at once, only the last one's lease survives, and the other waits). The object
    store writes the tokens whole (a PUT is atomic), before they are used."""

    def __init__(
        self, url: str, *, sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        from dlt.common.configuration import resolve_configuration
        from dlt.common.storages import FilesystemConfiguration, fsspec_from_config

        self.url = url
        self.where = _without_userinfo(url)
        # the credentials of dlt's filesystem destination (destination.filesystem.credentials),
        # else the provider's defaults, as the destination itself resolves them
        config = resolve_configuration(
            FilesystemConfiguration(bucket_url=url), sections=("destination", "filesystem")
        )
        self._fs, _ = fsspec_from_config(config)
        self._sleep, self._clock = sleep, clock

    def load(self) -> Tokens | None:
        try:
            text = self._fs.cat_file(self.url).decode()
        except FileNotFoundError:
            return None
        return _parse(text, self.where)

    def save(self, tokens: Tokens) -> None:
        self._fs.pipe_file(self.url, json.dumps(asdict(tokens)).encode())

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        lease = self.url + ".lease"
        me = uuid.uuid4().hex
        deadline = self._clock() + LEASE_SECONDS
        while True:
            held = self._lease(lease)
            if held is None or held["until"] < self._clock():
                until = self._clock() + LEASE_SECONDS
                self._fs.pipe_file(lease, json.dumps({"owner": me, "until": until}).encode())
                self._sleep(LEASE_SETTLE_SECONDS)
                held = self._lease(lease)
                if held is not None and held["owner"] == me:
                    break
            if self._clock() > deadline:
                raise GongConfigError(
                    f"the OAuth token store {self.where} stayed locked by another run for "
                    f"{LEASE_SECONDS:.0f} s (its lease {self.where}.lease): run again later"
                )
            self._sleep(LEASE_SETTLE_SECONDS)
        try:
            yield
        finally:
            with contextlib.suppress(FileNotFoundError):
                if (self._lease(lease) or {}).get("owner") == me:
                    self._fs.rm_file(lease)

    def _lease(self, lease: str) -> dict[str, Any] | None:
        try:
            found = json.loads(self._fs.cat_file(lease))
        except (FileNotFoundError, ValueError):
            return None
        return found if isinstance(found, dict) and {"owner", "until"} <= set(found) else None


class TokenHook(Protocol):
    """A secrets manager's keeper of the tokens (`gong_source(token_store=...)`): `load()`
    returns what `save` was last given (a dict), or None before the first refresh."""

    def load(self) -> dict[str, Any] | None: ...

    def save(self, tokens: dict[str, Any]) -> None: ...


class HookTokenStore:
    """Tokens kept by a `TokenHook`. A refresh re-reads them first, under the hook's own
    `lock()` when it has one (a context manager), so that two runs spend a refresh token
    once; a hook without one leaves that to the secrets manager's own versioning."""

    def __init__(self, hook: Any) -> None:
        self.hook = hook
        self.where = f"the token_store hook {type(hook).__name__}"

    def load(self) -> Tokens | None:
        found = self.hook.load()
        if found is None:
            return None
        return _parse(found if isinstance(found, str) else json.dumps(found), self.where)

    def save(self, tokens: Tokens) -> None:
        self.hook.save(asdict(tokens))

    def locked(self) -> contextlib.AbstractContextManager[Any]:
        lock = getattr(self.hook, "lock", None)
        return lock() if callable(lock) else contextlib.nullcontext()


Store = Union[TokenStore, BucketTokenStore, HookTokenStore]  # noqa: UP007


def open_store(setting: Any, fingerprint: str) -> Store:
    """The store `credentials.token_store` (or `gong_source(token_store=...)`) names: None,
    the default file under dlt's data folder; an object with load() and save(), a hook;
    a URL, a bucket (``file://`` is a local path, with its file lock); otherwise a local
    path: a ``.json`` file, or a folder holding one file per authorization."""
    name = f"{fingerprint[:24]}.json"
    if setting is None or setting == "":
        return TokenStore(TokenStore.default_path(fingerprint))
    if not isinstance(setting, (str, os.PathLike)):
        if callable(getattr(setting, "load", None)) and callable(getattr(setting, "save", None)):
            return HookTokenStore(setting)
        raise GongConfigError(
            f"token_store {type(setting).__name__} is neither a folder, a URL nor an object "
            "with load() and save(): see the README's OAuth section"
        )
    text = os.fspath(setting)
    scheme = text.split("://", 1)[0] if "://" in text else ""
    if scheme and scheme != "file":
        url = text if text.endswith(".json") else text.rstrip("/") + "/" + name
        return BucketTokenStore(url)
    path = Path(text[len("file://") :] if scheme else text).expanduser()
    if path.suffix == ".json" or path.is_file():
        return TokenStore(path)
    return TokenStore(path / name)


def _parse(text: str, where: str) -> Tokens:
    try:
        return Tokens(**json.loads(text))
    except (ValueError, TypeError) as exc:
        raise GongConfigError(
            f"the OAuth token store {where} is not readable ({type(exc).__name__}): "
            "delete it to start again from the configured refresh_token"
        ) from None


def _without_userinfo(url: str) -> str:
    """A URL as it may be shown: without a user:password@ part."""
    return re.sub(r"^([a-z0-9+.-]+://)[^/@]*@", r"\1", url)


class OAuthSession:
    """Access tokens for one authorization of a Gong app, refreshed when they expire or
    when Gong says so (a 401), shared by every request of a load (thread-safe)."""

    def __init__(
        self,
        credentials: GongOAuthCredentials,
        *,
        store: Store | None = None,
        token_store: Any = None,
        http: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        timeout_seconds: float = 60.0,
    ) -> None:
        assert credentials.can_refresh()
        self._client = f"{credentials.client_id}:{credentials.client_secret}".encode()
        self.token_url = credentials.token_url
        configured = hashlib.sha256(
            f"{credentials.client_id}\0{credentials.refresh_token}".encode()
        ).hexdigest()
        self._fingerprint = configured
        self.store = store or open_store(
            token_store if token_store is not None else credentials.token_store, configured
        )
        self._http = http or requests.Session()
        self._clock = clock
        self._timeout = (min(10.0, timeout_seconds), timeout_seconds)
        self._lock = threading.Lock()
        self.refreshes = 0
        """Refreshes this session made (tokens another run refreshed are not counted)."""
        self.on_base_url: Callable[[str], None] | None = None
        stored = self.store.load()
        self._configured_in_use = not (stored is not None and stored.configured == configured)
        """Whether the refresh token in use is the configured one (the store had none
        newer): Gong refusing it then most likely means an earlier run rotated it."""
        if not self._configured_in_use and stored is not None:
            self._tokens = stored  # the newest of this authorization's chain
        else:  # first run, or the user configured a new authorization
            self._tokens = Tokens(
                configured=configured,
                refresh_token=str(credentials.refresh_token),
                access_token=str(credentials.access_token) if credentials.access_token else None,
                refresh_at=_refresh_at(credentials.access_token_expires_at),
            )

    @property
    def api_base_url(self) -> str | None:
        """Gong's ``api_base_url_for_customer`` from the newest token answer, if any yet."""
        return self._tokens.api_base_url

    @property
    def granted_scopes(self) -> frozenset[str] | None:
        """The scopes the newest token answer says the app was granted; None when no answer
        said (an access token configured as it is, or an answer without ``scope``)."""
        said = self._tokens.scope
        scopes = frozenset(re.split(r"[\s,]+", said.strip())) if said else frozenset()
        return scopes or None

    def start(self) -> None:
        """Makes sure an access token is at hand (refreshing when there is none or it is
        about to expire), so the base URL is known before the first call."""
        self.authorization()

    def authorization(self) -> str:
        """The Authorization header's value; refreshes first when the token is due."""
        with self._lock:
            if self._due(self._tokens):
                self._refresh(rejected=None)
            return f"Bearer {self._tokens.access_token}"

    def renew(self, rejected: str) -> bool:
        """After Gong refused ``rejected`` (an Authorization value) with a 401: refresh,
        unless another thread already did. True when a new token is at hand."""
        with self._lock:
            if f"Bearer {self._tokens.access_token}" == rejected:
                self._refresh(rejected=self._tokens.access_token)
            return True

    # -- the refresh ----------------------------------------------------------------------

    def _due(self, tokens: Tokens) -> bool:
        if not tokens.access_token:
            return True
        if tokens.refresh_at is None:
            return False  # no expiry known: used until Gong refuses it
        return self._clock() >= tokens.refresh_at

    def _refresh(self, rejected: str | None) -> None:
        with self.store.locked():
            newest = self.store.load()
            if (
                newest is not None
                and newest.configured == self._tokens.configured
                and newest.refresh_token != self._tokens.refresh_token
            ):
                self._adopt(newest)  # another run refreshed since this one read the store
                self._configured_in_use = False
                if not self._due(newest) and newest.access_token != rejected:
                    return
            answer = self._ask_gong(self._tokens.refresh_token)
            fresh = Tokens(
                configured=self._tokens.configured,
                refresh_token=_text(answer, "refresh_token"),
                access_token=_text(answer, "access_token"),
                refresh_at=_refresh_after(answer, self._clock()),
                api_base_url=_base_url(answer) or self._tokens.api_base_url,
                scope=answer["scope"] if isinstance(answer.get("scope"), str) else None,
            )
            self.store.save(fresh)  # kept before it is used (see the module's doc)
        self._configured_in_use = False
        self.refreshes += 1
        lifetime = "" if fresh.refresh_at is None else f", valid {answer.get('expires_in')} s"
        logger.info("OAuth: refreshed the access token%s; tokens kept in %s",
                    lifetime, self.store.where)  # fmt: skip
        self._adopt(fresh)

    def _adopt(self, tokens: Tokens) -> None:
        changed = tokens.api_base_url and tokens.api_base_url != self._tokens.api_base_url
        self._tokens = tokens
        if changed and self.on_base_url is not None and tokens.api_base_url:
            self.on_base_url(tokens.api_base_url)

    def _ask_gong(self, refresh_token: str) -> dict[str, Any]:
        basic = "Basic " + base64.b64encode(self._client).decode("ascii")
        for attempt in range(1, TOKEN_ATTEMPTS + 1):
            answer, refusal, transient = self._post(basic, refresh_token)
            if answer is not None:
                return answer
            if refusal:
                if refusal.startswith(SPENT) and self._configured_in_use:
                    refusal = self._spent_elsewhere(refusal)
                raise GongAuthError(refusal, status=401)
            if attempt < TOKEN_ATTEMPTS:
                time.sleep(2 ** (attempt - 1))
        raise GongUnavailableError(
            f"the OAuth token endpoint {self.token_url} failed {TOKEN_ATTEMPTS} times "
            f"({transient}); the refresh token was kept, run again later"
        )

    def _spent_elsewhere(self, refusal: str) -> str:
        """The refusal of the configured refresh token by a run whose store holds nothing
        newer: a fresh machine (a CI runner, a container) after an earlier run rotated it."""
        said = refusal[len(SPENT) :].split(")", 1)[0].lstrip(" (")
        return (
            f"Gong refused the configured OAuth refresh token ({said}) and the token store "
            f"{self.store.where} holds no newer one: an earlier run rotated it (refresh "
            "tokens are single use) and kept the new one in its own token store, by default "
            f"gong_oauth/{self._fingerprint[:24]}.json in the dlt data folder of the machine "
            "it ran on (~/.dlt, /var/dlt as root, or $DLT_DATA_DIR), gone with that machine; "
            "or it was revoked. "
            "Authorize the app again, set the new sources.gong.credentials.refresh_token, and "
            "set sources.gong.credentials.token_store to a folder or bucket URL every run "
            "reaches (s3://, gs://, az://, file://)"
        )

    def _post(self, basic: str, refresh_token: str) -> tuple[dict[str, Any] | None, str, str]:
        """One try: (Gong's answer, "", "") or (None, the refusal's one line, "") or
        (None, "", what failed that is worth another try).

        No exception of `requests` leaves here: their texts hold the URL, and with it the
        refresh token on the query string (where Gong wants it)."""
        try:
            response = self._http.post(
                self.token_url,
                params={"grant_type": "refresh_token", "refresh_token": refresh_token},
                headers={"Authorization": basic},
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            return None, "", type(exc).__name__
        status = response.status_code
        if status >= 500 or status == 429:
            return None, "", f"HTTP {status}"
        try:
            body = response.json()
        except ValueError:
            body = None
        if status == 200 and isinstance(body, dict) and body.get("access_token"):
            return body, "", ""
        error = body.get("error") if isinstance(body, dict) else None
        said = f"{status} {error}" if isinstance(error, str) else f"HTTP {status}"
        if error == "invalid_client" or status == 401:
            return (
                None,
                (
                    "Gong's token endpoint refused the OAuth app's client_id/client_secret "
                    f"({said}): check sources.gong.credentials.client_id and client_secret"
                ),
                "",
            )
        return (
            None,
            (
                f"{SPENT} ({said}): it was revoked, or already used "
                "(refresh tokens are single use). Authorize the app again and set the new "
                "sources.gong.credentials.refresh_token"
            ),
            "",
        )


def _text(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    if not isinstance(value, str) or not value:
        raise GongUnavailableError(f"Gong's token endpoint answered without {key}")
    return value


def _refresh_after(answer: dict[str, Any], now: float) -> float | None:
    expires_in = answer.get("expires_in")
    if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
        return now + expires_in - min(EARLY_SECONDS, expires_in / 10)
    return None


def _base_url(answer: dict[str, Any]) -> str | None:
    url = answer.get("api_base_url_for_customer")
    return url.rstrip("/") if isinstance(url, str) and url.startswith("http") else None


def _refresh_at(value: str | None) -> float | None:
    """The configured access token's expiry, less a minute."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GongConfigError(
            f"access_token_expires_at {value!r} is not an ISO-8601 instant "
            "(e.g. 2026-05-01T12:00:00Z)"
        ) from None
    if when.tzinfo is None:
        raise GongConfigError(f"access_token_expires_at {value!r} needs a UTC offset or Z")
    return when.timestamp() - EARLY_SECONDS


def _fsync_folder(folder: Path) -> None:
    """Makes the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


_TOKEN_IN_URL = re.compile(r"(refresh_token=)[^&\s\"']+")


class _RedactTokenUrls(logging.Filter):
    """urllib3 logs each request's URL at DEBUG (`--debug`); the token endpoint's has the
    refresh token on its query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _TOKEN_IN_URL.sub(r"\1***", a) if isinstance(a, str) else a
                for a in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_URL.sub(r"\1***", record.msg)
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactTokenUrls())

__all__ = [
    "BucketTokenStore",
    "HookTokenStore",
    "OAuthSession",
    "TokenHook",
    "TokenStore",
    "Tokens",
    "open_store",
]
