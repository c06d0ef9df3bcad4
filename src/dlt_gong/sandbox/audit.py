"""Gong's audit logs (``GET /v2/logs``): who signed in, changed settings, played calls.

Each ``logType`` has its own source, so entries agree with the rest of the company:

* ``AccessLog``: users signing in, on working days, while they were active users; only
  the last 14 days are kept (spec, tag "Auditing");
* ``UserActivityLog``: admins and managers changing settings (the entry shape is the
  recording ``get-logs``: ``tableChanges``, ``customData``, ``httpRequest``...);
* ``UserCallPlay``: every LISTEN event of the call skeleton (the same listens the stats
  count), naming the listener and the call;
* ``ExternallySharedCallAccess`` / ``ExternallySharedCallPlay``: a contact of the call's
  account opening (and mostly playing) a call its host shared externally.

Entries are derived per UTC day (or per skeleton event) from the seed, so they never change
once their time has passed, and only entries at or before the sandbox clock exist: new ones
appear as the clock moves (``SandboxConfig.log_delay_minutes`` lists each one up to that
long after its time instead, for clients whose lookback should cover it). Entries before
the call history starts do not exist. The shape of the other types' ``logRecord`` is the
sandbox's (guess): only a UserActivityLog entry was ever recorded. ``eventTime`` is UTC
with milliseconds and "Z", as recorded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

from dlt_gong.sandbox.accounts import AccountBook
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Person, Roster
from dlt_gong.sandbox.skeleton import LISTEN, SHARE_EXTERNAL, CallSkeleton

LOG_TYPES = (
    "AccessLog",
    "UserActivityLog",
    "UserCallPlay",
    "ExternallySharedCallAccess",
    "ExternallySharedCallPlay",
)  # spec enum, in its order
_DAY = 86400.0
ACCESS_LOG_DAYS = 14  # spec (tag Auditing): the access log is preserved for 14 days only
_SETTINGS_TABLES = (
    ("permissions.permission_profile", "/settings/permission-profiles"),
    ("app_user_management.user_data_capture_settings", "/settings/users"),
    ("settings.keyword_trackers", "/settings/trackers"),
    ("settings.scorecards", "/settings/scorecards"),
    ("licensing.user_products", "/settings/users/licenses"),
    ("settings.call_recording", "/settings/recording"),
)
# an entry before it is JSON: (time, log type, user index, index of the day's entry or event)
Entry = tuple[float, str, int, int]


def event_time(ts: float) -> str:
    """``2025-06-12T19:55:14.638Z`` (recording get-logs)."""
    stamp = datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


def _ip(rng: random.Random) -> str:
    return (
        f"{rng.choice((73, 98, 136, 172, 203))}.{rng.randrange(256)}.{rng.randrange(256)}."
        f"{rng.randrange(1, 255)}"
    )


def _http(
    verb: str, uri: str, referrer: str, ip: str, params: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "referrerUri": referrer,
        "clientIp": ip,
        "verb": verb,
        "endpointUri": uri,
        "body": None,
        "parameters": params,
    }


def _record(
    audit_id: str,
    http: dict[str, Any],
    custom: list[dict[str, Any]],
    tables: list[dict[str, Any]],
    workspace: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """A ``logRecord`` in the recorded key order, plus ``extra`` type-specific keys."""
    return {
        "auditId": audit_id,
        "tableChanges": tables,
        "customData": custom,
        "remoteCallsAuditData": [],
        "action": extra.pop("action", None),
        "httpRequest": http,
        "workspaceId": workspace,
        **extra,
    }


class AuditLog:
    """The company's log entries, by type, derived on demand."""

    def __init__(
        self,
        seed: int,
        roster: Roster,
        skeleton: CallSkeleton,
        accounts: AccountBook,
        history_start: float,
        app_url: str,
        workspace_id: Callable[[int], str],
        call_id: Callable[[int], str],
        ids: IdCodec,
        delay_seconds: float = 0.0,
    ) -> None:
        self.seed = seed
        self.delay = delay_seconds
        self.roster = roster
        self.skeleton = skeleton
        self.accounts = accounts
        self.history_start = history_start
        self.app_url = app_url
        self.workspace_id = workspace_id
        self.call_id = call_id
        self.ids = ids
        self._day = lru_cache(maxsize=1024)(self._day_entries)

    def entries(self, log_type: str, start: float, end: float | None, moment: float) -> list[Entry]:
        """Entries of ``log_type`` with ``start <= time < end`` and ``time <= moment``.

        Only times, users and indices: :meth:`entry_json` derives the rest of an entry when
        it is served, so listing a year of plays does not build a year of JSON.
        """
        lo = max(start, self.history_start)
        hi = min(end if end is not None else math.inf, moment + 0.001)
        if hi <= lo:
            return []
        if log_type in ("AccessLog", "UserActivityLog"):
            out = [
                entry
                for day in range(math.floor(lo / _DAY), math.floor(hi / _DAY) + 1)
                for entry in self._day(log_type, day)
                if lo <= entry[0] < hi
            ]
        elif log_type == "UserCallPlay":
            out = self._plays(lo, hi)
        else:
            out = self._external(log_type, lo, hi)
        if log_type == "AccessLog":  # spec: "This log is preserved for 14 days only"
            out = [e for e in out if e[0] >= moment - ACCESS_LOG_DAYS * _DAY]
        if self.delay > 0:
            out = [e for e in out if e[0] + self.delay_of(e) <= moment]
        out.sort(key=lambda e: (e[0], e[3]))
        return out

    def delay_of(self, entry: Entry) -> float:
        """How long after its time ``entry`` is listed: a fixed share of the maximum delay."""
        share = (entry[3] * 2654435761 + len(entry[1])) % 10007 / 10007
        return share * self.delay

    def entry_json(self, entry: Entry) -> dict[str, Any]:
        """A ``logEntry``; the user fields name a real user."""
        when, log_type, user, index = entry
        person = self.roster.people[user]
        if log_type in ("AccessLog", "UserActivityLog"):
            record = self._day_record(log_type, index, when, person)
        elif log_type == "UserCallPlay":
            record = self._play_record(index)
        else:
            record = self._external_record(log_type, index)
        return {
            "userId": person.id,
            "userEmailAddress": person.email,
            "userFullName": person.name,
            "eventTime": event_time(when),
            "logRecord": record,
        }

    # -- per-day types ---------------------------------------------------------------------

    def _active(self, p: Person, t: float) -> bool:
        return p.created <= t and (p.active or (p.deactivated or 0) > t)

    def _day_entries(self, log_type: str, day: int) -> list[Entry]:
        rng = random.Random(f"{self.seed}:log:{log_type}:{day}")
        base = day * _DAY
        weekday = datetime.fromtimestamp(base, timezone.utc).weekday() < 5
        access = log_type == "AccessLog"
        rate = (0.7 if weekday else 0.08) if access else (0.25 if weekday else 0.0)
        out: list[Entry] = []
        for p in self.roster.people:
            if not access and p.role not in ("exec", "manager", "cs_manager"):
                continue
            if rng.random() >= rate:
                continue
            for _ in range(1 if rng.random() < 0.7 else 2):
                t = round((base + rng.uniform(13 * 3600, 24 * 3600 - 1)) * 1000) / 1000
                if self._active(p, t):
                    out.append((t, log_type, p.index, day * 4096 + len(out)))
        return out

    def _day_record(self, log_type: str, index: int, t: float, p: Person) -> dict[str, Any]:
        rng = random.Random(f"{self.seed}:log-record:{log_type}:{index}")
        access = log_type == "AccessLog"
        audit_id = self.ids.encode("audit-access" if access else "audit-activity", index)
        ip = _ip(rng)
        if access:
            method = [
                {"values": [rng.choice(("google", "okta", "password"))], "key": "login-method"}
            ]
            http = _http("POST", "/login", f"{self.app_url}/signin", ip, method)
            return _record(audit_id, http, [], [], None, action="LOGIN")
        ws = self.workspace_id(p.workspace)
        table, uri = rng.choice(_SETTINGS_TABLES)
        tables = [
            {
                "preSnapshotTimestamp": event_time(t - rng.uniform(0.05, 0.3)),
                "postSnapshotTimestamp": event_time(t - 0.002),
                "rowChanges": [],
                "tableName": table,
            }
        ]
        custom = [{"values": [p.title or "Manager"], "key": "user-title"}]
        http = _http(
            "POST", uri, f"{self.app_url}{uri}", ip, [{"values": [ws], "key": "workspace-id"}]
        )
        return _record(audit_id, http, custom, tables, ws)

    # -- call-based types ------------------------------------------------------------------

    def _plays(self, lo: float, hi: float) -> list[Entry]:
        sk = self.skeleton
        out: list[Entry] = []
        for e in sk.events_between(math.floor(lo), math.ceil(hi)):
            if sk.ev_kind[e] == LISTEN:
                t = sk.ev_time[e] + (e * 7919 % 1000) / 1000
                if lo <= t < hi:
                    out.append((t, "UserCallPlay", sk.ev_user[e], e))
        return out

    def _play_record(self, e: int) -> dict[str, Any]:
        sk = self.skeleton
        call = sk.event_call(e)
        rng = random.Random(f"{self.seed}:play:{e}")
        call_id = self.call_id(call)
        http = _http(
            "GET",
            "/call",
            f"{self.app_url}/call?id={call_id}",
            _ip(rng),
            [{"values": [call_id], "key": "id"}],
        )
        return _record(
            self.ids.encode("audit-play", e),
            http,
            [],
            [],
            self.workspace_id(sk.workspace[call]),
            action="PLAY",
            callId=call_id,
            playedSeconds=rng.randint(30, max(31, sk.duration[call])),
        )

    def _external(self, log_type: str, lo: float, hi: float) -> list[Entry]:
        """External views of shared calls: opened within 3 days of the share, played mostly."""
        sk = self.skeleton
        play = log_type == "ExternallySharedCallPlay"
        out: list[Entry] = []
        for e in sk.events_between(math.floor(lo - 3 * _DAY - 1), math.ceil(hi)):
            if sk.ev_kind[e] != SHARE_EXTERNAL:
                continue
            rng = random.Random(f"{self.seed}:external:{e}")
            t = sk.ev_time[e] + min(3 * _DAY, rng.expovariate(1 / (0.5 * _DAY))) + 30
            played = rng.random() < 0.7
            if play:
                if not played:
                    continue
                t += rng.uniform(5, 120)
            t = round(t * 1000) / 1000
            if lo <= t < hi:
                out.append((t, log_type, sk.ev_user[e], e))
        return out

    def _external_record(self, log_type: str, e: int) -> dict[str, Any]:
        sk = self.skeleton
        play = log_type == "ExternallySharedCallPlay"
        call = sk.event_call(e)
        account = self.accounts.get(sk.account[call])
        viewer = account.contacts[e % len(account.contacts)]
        rng = random.Random(f"{self.seed}:external-record:{e}")
        call_id = self.call_id(call)
        http = _http(
            "GET", "/embedded-call", "", _ip(rng), [{"values": [call_id], "key": "call-id"}]
        )
        audit_id = self.ids.encode("audit-play-external" if play else "audit-external", e)
        return _record(
            audit_id,
            http,
            [],
            [],
            self.workspace_id(sk.workspace[call]),
            action="PLAY" if play else "ACCESS",
            callId=call_id,
            externalEmailAddress=viewer.email,
        )
