"""The user's options, checked once, before any request is spent.

Every mistake found here is a `GongConfigError` with a one-line message that names the
option and what would be valid; nothing is loaded, nothing already loaded is touched.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlparse

from dlt_gong.errors import GongConfigError
from dlt_gong.personal_data import MIN_KEY_LENGTH, PersonalData
from dlt_gong.privacy import (
    DOMAINS_PROBLEM,
    TITLES_PROBLEM,
    CallRules,
    call_rules,
    check_exclude_titles,
    is_domain_or_address,
)
from dlt_gong.tables import BY_NAME, DEFAULT_TABLES, STATS_KINDS, TABLES

DEFAULT_BASE_URL = "https://api.gong.io"
DEFAULT_LOOKBACK_DAYS = 3.0
DEFAULT_STATS_LOOKBACK_DAYS = 3
DEFAULT_HISTORY_DAYS = 365
DEFAULT_RECONCILE_DAYS = 30.0
DEFAULT_CHUNK_TOKENS = 512
"""A common input size for embedding models' retrieval chunks."""
MIN_CHUNK_TOKENS = 64
MAX_CHUNK_TOKENS = 1_000_000
MAX_DAYS = 36_500
"""A hundred years: any longer span of days is a typo (and past what a date can hold)."""
MAX_REQUESTS_PER_SECOND = 1_000
MAX_IN_FLIGHT = 32
AGGREGATION_PERIODS = ("DAY", "WEEK", "MONTH", "QUARTER", "YEAR")
INTERACTION_STATS_PERIODS = ("DAY", "WEEK", "MONTH")

NOT_A_DATE = "is not a date: use YYYY-MM-DD or an ISO-8601 date-time"
DAYS = f"is not a number of days from 0 to {MAX_DAYS:,} (e.g. 3 or 0.5)"
PROBLEMS: dict[str, str] = {
    "start_date": NOT_A_DATE,
    "end_date": NOT_A_DATE,
    "now": NOT_A_DATE,
    "reconcile_from": NOT_A_DATE,
    "reconcile_to": NOT_A_DATE,
    "lookback_days": DAYS,
    "reconcile_days": DAYS,
    "stats_lookback_days": f"is not a whole number of days from 0 to {MAX_DAYS:,}",
    "max_in_flight": (
        "is not a whole number of requests on the wire at once: 1 to "
        f"{MAX_IN_FLIGHT} (3: Gong is said to allow 3 concurrent requests a company)"
    ),
    "requests_per_second": (
        "is not a whole number of requests a second: your company's Gong limit (3 unless "
        f"Gong raised it, at most {MAX_REQUESTS_PER_SECOND:,}), or 0 for no pacing"
    ),
    "max_retry_after_seconds": "is not a number of seconds, 0 or more (e.g. 300)",
    "chunk_tokens": (
        f"is not a whole number of tokens from {MIN_CHUNK_TOKENS} (the call's title and a "
        f"line) to {MAX_CHUNK_TOKENS:,}"
    ),
    "package_megabytes": "is not a number of megabytes, 0 (one package) or more (e.g. 16)",
    "include_private_calls": "is not true or false",
    "hash_personal_data": "is not true or false",
    "hash_names": "is not true or false",
    "retention_days": (
        f"is not a number of days from 0 to {MAX_DAYS:,}: calls that started longer ago are "
        "neither loaded nor kept (e.g. 365; 0: keep every call)"
    ),
    "exclude_titles": TITLES_PROBLEM,
    "exclude_domains": DOMAINS_PROBLEM,
    "resources": "is not a list of table names: a comma-separated string or a list",
    "user_ids": "is not a list of Gong user ids: a comma-separated string or a list",
    "content_selector": "is not Gong's contentSelector: a table (a JSON object)",
    "aggregation_period": "is not one of " + ", ".join(AGGREGATION_PERIODS),
    "interaction_stats_period": "is not one of " + ", ".join(INTERACTION_STATS_PERIODS),
    "base_url": f"is not an http(s) URL; Gong's is {DEFAULT_BASE_URL}",
    "workspace_id": "is not a Gong workspace id",
}
"""What each option's value must be, said as the rest of a sentence that begins with the
value: the same words whether this package's check or dlt's own reading of the config
(a value dlt cannot coerce to the option's type) refused it."""

ALL_CONTENT: dict[str, Any] = {
    "context": "Extended",
    "contextTiming": ["Now", "TimeOfCall"],
    "exposedFields": {
        "parties": True,
        "content": {
            "structure": True,
            "topics": True,
            "trackers": True,
            "trackerOccurrences": True,
            "pointsOfInterest": False,
            "brief": True,
            "outline": True,
            "highlights": True,
            "callOutcome": True,
            "keyPoints": True,
        },
        "interaction": {
            "speakers": True,
            "video": True,
            "personInteractionStats": True,
            "questions": True,
        },
        "collaboration": {"publicComments": True},
        "media": False,
    },
}
"""All call content by default. Media URLs stay off: they expire after about 8 hours,
so a warehouse copy of them is broken by the next morning, and they need an extra scope."""


@dataclass(frozen=True)
class LoadOptions:
    """Everything a load needs to know besides credentials, validated."""

    start: datetime
    end: datetime | None
    lookback: timedelta
    stats_lookback_days: int
    workspace_id: str | None
    user_ids: tuple[str, ...]
    tables: tuple[str, ...]
    content_selector: dict[str, Any]
    include_private_calls: bool
    aggregation_period: str
    interaction_stats_period: str
    """The period of one `interaction_stats` request and row (Gong has no period parameter
    there: the window of each request is the period)."""
    now: datetime
    """The instant this load takes as now (UTC): the wall clock unless the user pinned it.
    Every "today" of a load (the stats windows' last day, the default start) derives from
    it, so a run can be reproduced, and `--plan` plans the same window the run loads."""
    reconcile_days: float = DEFAULT_RECONCILE_DAYS
    """Each run removes the loaded calls of this many last days that Gong deleted or made
    private (0: off)."""
    reconcile_from: datetime | None = None
    """An explicit start of calls to reconcile instead, e.g. once over all history."""
    reconcile_to: datetime | None = None
    """The end of that range (exclusive; default now)."""
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    """The bound of a `call_transcript_chunks` row, in approximate tokens."""
    exclude: CallRules = field(default_factory=CallRules)
    """The calls left out by title and by party (`privacy.py`)."""
    hash_personal_data: bool = False
    """Email addresses and phone numbers are hashed before any row is written."""
    hash_names: bool = False
    """People's names too."""
    retention_days: float = 0
    """Calls that started longer ago than this are neither loaded nor kept, nor are stats
    of days before it (0: keep everything)."""

    @property
    def retained_from(self) -> datetime | None:
        """The oldest call start (and stats day) a load keeps; None: no retention."""
        if not self.retention_days:
            return None
        return self.now - timedelta(days=self.retention_days)

    @property
    def today(self) -> date:
        """The UTC date of `now`."""
        return self.now.date()

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def end_date(self) -> date | None:
        if self.end is None:
            return None
        # an end instant past midnight still covers that day's stats only up to midnight
        return self.end.date()


def parse_when(name: str, value: str | date | datetime | None) -> datetime | None:
    """A date (midnight UTC) or an ISO-8601 date-time; anything else is a config error."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    text = str(value).strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise GongConfigError.bad(name, text, NOT_A_DATE) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def check_base_url(base_url: Any) -> str:
    """An http(s) URL of a host, without the `/v2` every request's path begins with."""
    text = str(base_url).strip()
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise GongConfigError.bad("base_url", text, PROBLEMS["base_url"])
    if parsed.path.rstrip("/").endswith("/v2"):
        host = text.rstrip("/").removesuffix("/v2")
        raise GongConfigError.bad(
            "base_url", text, f"ends in /v2, which every request's path begins with: use {host}"
        )
    return text.rstrip("/")


def number(option: str, value: Any, *, minimum: float, maximum: float, whole: bool) -> float:
    """A number as dlt users write one: an int or float, or a string of either ("3", "3.0",
    "0.5"; a whole number may be written as a float); finite and within bounds."""
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        found = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise GongConfigError.bad(option, value, PROBLEMS[option]) from None
    if not math.isfinite(found) or not minimum <= found <= maximum:
        raise GongConfigError.bad(option, value, PROBLEMS[option])
    if whole and not found.is_integer():
        raise GongConfigError.bad(option, value, PROBLEMS[option])
    return found


def days(option: str, value: Any) -> float:
    return number(option, value, minimum=0, maximum=MAX_DAYS, whole=False)


def check_requests_per_second(value: Any) -> int | None:
    """`requests_per_second`: a whole number; 0 or None: no pacing."""
    if value is None:
        return None
    found = number("requests_per_second", value, minimum=0, maximum=MAX_REQUESTS_PER_SECOND,
                   whole=True)  # fmt: skip
    return int(found) or None


def check_max_in_flight(value: Any) -> int:
    """`max_in_flight`: a whole number of requests on the wire at once, at least one."""
    found = number("max_in_flight", value, minimum=1, maximum=MAX_IN_FLIGHT, whole=True)
    return int(found)


def check_max_retry_after_seconds(value: Any) -> float:
    return number("max_retry_after_seconds", value, minimum=0, maximum=math.inf, whole=False)


def flag(option: str, value: Any) -> bool:
    """A boolean, or the strings dlt reads as one from an environment variable."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise GongConfigError.bad(option, value, PROBLEMS[option])


def names(option: str, value: Any) -> list[str] | None:
    """A list as dlt users write one: a list, a comma-separated string (an environment
    variable, a TOML string), or a JSON list (what dlt makes of a TOML list for a string
    option)."""
    if value is None:
        return None
    found: Any = value
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                found = json.loads(text)
            except ValueError:
                raise GongConfigError.bad(option, value, PROBLEMS[option]) from None
        else:
            return [n.strip() for n in text.split(",") if n.strip()]
    if not isinstance(found, (list, tuple)) or not all(
        isinstance(n, (str, int)) and not isinstance(n, bool) for n in found
    ):
        raise GongConfigError.bad(option, value, PROBLEMS[option])
    return [str(n).strip() for n in found if str(n).strip()]


def check_exclude_domains(value: Any) -> tuple[str, ...]:
    """Domains and addresses, lower case; a leading ``@`` is allowed (``@gmail.com``)."""
    entries: list[str] = []
    for given in (d.lower() for d in names("exclude_domains", value) or []):
        entry = given.removeprefix("@")
        if not is_domain_or_address(entry):
            raise GongConfigError.bad("exclude_domains", given, PROBLEMS["exclude_domains"])
        entries.append(entry)
    return tuple(dict.fromkeys(entries))


def check_tables(given: Sequence[str] | str | None) -> tuple[str, ...]:
    if given is None:
        return DEFAULT_TABLES
    found = names("resources", given) or []
    unknown = [n for n in found if n not in BY_NAME]
    choices = ", ".join(t.name for t in TABLES)
    if unknown:
        tables = " and ".join(map(repr, unknown))
        raise GongConfigError.bad(
            "resources", _shown(given),
            f"names no table {tables}: choose from {choices}"
            if len(unknown) == 1
            else f"names no tables {tables}: choose from {choices}",
        )  # fmt: skip
    if not found:
        raise GongConfigError.bad(
            "resources", _shown(given), f"names no table: name one or more of {choices}"
        )
    return tuple(dict.fromkeys(found))


def _shown(value: Any) -> Any:
    """A list as the comma-separated string it stands for, in a message."""
    return ",".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def build_options(
    *,
    start_date: str | date | datetime | None,
    end_date: str | date | datetime | None,
    lookback_days: float | str,
    stats_lookback_days: float | str,
    workspace_id: str | int | None,
    user_ids: Sequence[str] | str | None,
    resources: Sequence[str] | str | None,
    content_selector: dict[str, Any] | None,
    include_private_calls: bool | str,
    aggregation_period: str,
    interaction_stats_period: str = "DAY",
    now: str | date | datetime | None = None,
    today: date | None = None,
    reconcile_days: float | str = DEFAULT_RECONCILE_DAYS,
    reconcile_from: str | date | datetime | None = None,
    reconcile_to: str | date | datetime | None = None,
    chunk_tokens: float | str = DEFAULT_CHUNK_TOKENS,
    exclude_titles: Sequence[str] | str | None = None,
    exclude_domains: Sequence[str] | str | None = None,
    retention_days: float | str | None = None,
    hash_personal_data: bool | str = False,
    hash_names: bool | str = False,
) -> LoadOptions:
    """`now` pins the load's clock (an ISO date-time or date); `today` is the same for a
    whole UTC day (tests of the options alone).

    Values come as the command line, config.toml, secrets.toml and environment variables
    give them (numbers as strings, a list as a comma-separated string, a date as a TOML
    date or a string): each is read here, and a wrong one is a `GongConfigError.bad`
    naming the option, before any request is spent."""
    moment = parse_when("now", now)
    if moment is None:
        moment = (
            datetime.combine(today, datetime.min.time(), timezone.utc)
            if today is not None
            else datetime.now(timezone.utc)
        )
    moment = moment.astimezone(timezone.utc)
    today = moment.date()
    start = parse_when("start_date", start_date)
    if start is None:
        start = datetime.combine(
            today - timedelta(days=DEFAULT_HISTORY_DAYS), datetime.min.time(), timezone.utc
        )
    elif start >= moment:
        raise GongConfigError.bad(
            "start_date", _text(start_date),
            f"is not before now ({moment:%Y-%m-%d %H:%M} UTC): Gong has nothing to load from "
            "then; leave it out to load the last year",
        )  # fmt: skip
    end = parse_when("end_date", end_date)
    retention = days("retention_days", retention_days) if retention_days is not None else 0.0
    if retention:
        start = _retained_start(start, end, moment - timedelta(days=retention), retention,
                                start_date)  # fmt: skip
    if end is not None and end <= start:
        raise GongConfigError(
            f"start_date {start.isoformat()} is not before end_date {end.isoformat()}"
        )
    lookback = days("lookback_days", lookback_days)
    stats_lookback = number("stats_lookback_days", stats_lookback_days, minimum=0,
                            maximum=MAX_DAYS, whole=True)  # fmt: skip
    tables = check_tables(resources)
    if (
        end is not None
        and end.date() > today
        and any(BY_NAME[t].kind in STATS_KINDS for t in tables)
    ):
        raise GongConfigError(
            f"end_date {end.date().isoformat()} is in the future; Gong's stats cover only past "
            "days: leave end_date out for an incremental load"
        )
    tokens = number("chunk_tokens", chunk_tokens, minimum=MIN_CHUNK_TOKENS,
                    maximum=MAX_CHUNK_TOKENS, whole=True)  # fmt: skip
    period = _period("aggregation_period", aggregation_period, AGGREGATION_PERIODS)
    interaction_period = _period(
        "interaction_stats_period", interaction_stats_period, INTERACTION_STATS_PERIODS
    )
    reconcile_span = days("reconcile_days", reconcile_days)
    workspace = _workspace(workspace_id)
    users = names("user_ids", user_ids)
    private = flag("include_private_calls", include_private_calls)
    if content_selector is not None and not isinstance(content_selector, dict):
        problem = PROBLEMS["content_selector"]
        raise GongConfigError.bad("content_selector", content_selector, problem)
    hashed = flag("hash_personal_data", hash_personal_data)
    names_hashed = flag("hash_names", hash_names)
    if names_hashed and not hashed:
        raise GongConfigError(
            "hash_names is true but hash_personal_data is not: names are hashed with the "
            "email addresses and phone numbers; set hash_personal_data = true too"
        )
    rules = call_rules(check_exclude_titles(exclude_titles), check_exclude_domains(exclude_domains))
    if rules.by_party and content_selector is not None and not _has_parties(content_selector):
        raise GongConfigError(
            "exclude_domains needs the calls' parties, which content_selector leaves out: set "
            "exposedFields.parties to true in it, or leave content_selector out"
        )
    reconcile_start = parse_when("reconcile_from", reconcile_from)
    reconcile_end = parse_when("reconcile_to", reconcile_to)
    if reconcile_end is not None and reconcile_start is None:
        raise GongConfigError("reconcile_to needs reconcile_from: the range to reconcile")
    if reconcile_start is not None and reconcile_start >= (reconcile_end or moment):
        raise GongConfigError(
            f"reconcile_from {reconcile_start.isoformat()} is not before "
            f"{'reconcile_to' if reconcile_end else 'now'} {(reconcile_end or moment).isoformat()}"
        )
    return LoadOptions(
        start=start,
        end=end,
        lookback=timedelta(days=lookback),
        stats_lookback_days=int(stats_lookback),
        workspace_id=workspace,
        user_ids=tuple(users or ()),
        tables=tables,
        content_selector=copy.deepcopy(content_selector or ALL_CONTENT),
        include_private_calls=private,
        aggregation_period=period,
        interaction_stats_period=interaction_period,
        now=moment,
        reconcile_days=reconcile_span,
        reconcile_from=reconcile_start,
        reconcile_to=reconcile_end,
        chunk_tokens=int(tokens),
        exclude=rules,
        retention_days=retention,
        hash_personal_data=hashed,
        hash_names=names_hashed,
    )


KEY_SETTING = (
    "set sources.gong.personal_data_key in .dlt/secrets.toml (or SOURCES__GONG__"
    "PERSONAL_DATA_KEY) to a random string of {n} characters or more, and keep it: another "
    "key gives other hashes, which no longer join the rows already loaded"
)


def check_personal_data_key(options: LoadOptions, key: Any) -> PersonalData | None:
    """The hasher of a load with `hash_personal_data` (None without it). The key is a
    secret: a message says what is wrong with it, never what it is."""
    if not options.hash_personal_data:
        return None
    text = str(key).strip() if key is not None else ""
    setting = KEY_SETTING.format(n=MIN_KEY_LENGTH)
    if not text:
        raise GongConfigError(f"hash_personal_data is true but no key is configured: {setting}")
    if len(text) < MIN_KEY_LENGTH:
        raise GongConfigError(
            f"sources.gong.personal_data_key has {len(text)} characters, too few to keep the "
            f"hashes from being reversed by guessing it: {setting}"
        )
    return PersonalData(text, names=options.hash_names)


def _retained_start(
    start: datetime, end: datetime | None, cutoff: datetime, retention: float, given: Any
) -> datetime:
    """An incremental load starts no earlier than the retention keeps (the default year,
    or a configured start_date that ages past it, is moved up); a backfill that starts
    before it is refused, since every row of it would be removed again."""
    if end is None or start >= cutoff:
        return max(start, cutoff)
    raise GongConfigError.bad(
        "start_date", _text(given) if given else start.isoformat(),
        f"is older than retention_days {retention:g} keeps (calls from "
        f"{cutoff:%Y-%m-%d %H:%M} UTC on): a backfill starts from then, or the retention is "
        "raised",
    )  # fmt: skip


def _has_parties(selector: dict[str, Any]) -> bool:
    exposed = selector.get("exposedFields")
    return isinstance(exposed, dict) and bool(exposed.get("parties"))


def _period(name: str, value: str, allowed: tuple[str, ...]) -> str:
    period = str(value).strip().upper()
    if period not in allowed:
        raise GongConfigError.bad(name, value, PROBLEMS[name])
    return period


def _workspace(value: Any) -> str | None:
    """Gong's ids are strings (of digits, in every example; the spec promises no form); a
    TOML integer is the same id. Whether the company has it, one request to Gong's
    workspaces tells (`preflight.py`)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if isinstance(value, (bool, list, dict)) or not text or any(c.isspace() for c in text):
        raise GongConfigError.bad("workspace_id", value, PROBLEMS["workspace_id"])
    return text


def _text(value: Any) -> str:
    """A date option's value as the user gave it, for a message."""
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value).strip()
