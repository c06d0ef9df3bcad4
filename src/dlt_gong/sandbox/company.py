"""The sandbox company: ground truth for every endpoint, one method each.

Each method returns the full, unpaged, ordered result the endpoint serves for the given
filters at a moment (``as_of``, default the sandbox clock's now). The HTTP layer only adds
auth, parsing, paging, errors, limits and faults on top, so tests compare what a client
loaded against these methods and know the answer is the same rules, not a second copy.

Calls are generated lazily: the skeleton (see :mod:`.skeleton`) is built up front, a
call's heavy parts only when an item is asked for. Call-valued results are therefore
:class:`LazyList`s, sequences that build items on indexing; ``.ids()`` lists the call ids
without building anything.
"""

from __future__ import annotations

import random
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from typing import Any, TypeVar, overload

from dlt_gong.sandbox import messages, unknown
from dlt_gong.sandbox.accounts import AccountBook
from dlt_gong.sandbox.calls import SCHEDULE_GRID, CallFactory
from dlt_gong.sandbox.catalog import Catalog, Folder
from dlt_gong.sandbox.clock import SandboxClock, utc_now_seconds
from dlt_gong.sandbox.company_extras import CompanyExtras
from dlt_gong.sandbox.config import SandboxConfig
from dlt_gong.sandbox.errors import BadRequestError, NotFoundError
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.removals import RemovalParams, Removals
from dlt_gong.sandbox.reviews import REVIEW_METHODS, ReviewFilter, Reviews, methods_for
from dlt_gong.sandbox.roster import Person, Roster
from dlt_gong.sandbox.selector import ContentSelector
from dlt_gong.sandbox.skeleton import PRIVATE, VIDEO, CallSkeleton, SkeletonParams
from dlt_gong.sandbox.stats import (
    AGGREGATE_METRICS,
    DAILY_METRICS,
    PERIODS,
    ActivityLedger,
    DailyActivity,
    combine_interaction,
    period_starts,
)
from dlt_gong.sandbox.timeutil import as_aware, as_date, iso, local_date, local_midnight

T = TypeVar("T")
AsOf = datetime | float | None
DateArg = date | str | None
DateTimeArg = datetime | str | None
# a call in a library folder: (call index, added at, added by, note, (snippet from, to))
FolderEntry = tuple[int, float, str, "str | None", tuple[int, int]]


class LazyList(Sequence[T]):
    """A read-only sequence that builds item ``n`` from ``keys[n]`` when it is accessed."""

    def __init__(self, keys: Sequence[int], build: Callable[[int], T],
                 key_id: Callable[[int], str] | None = None) -> None:  # fmt: skip
        self._keys = keys
        self._build = build
        self._key_id = key_id

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._build(k) for k in self._keys[index]]
        return self._build(self._keys[index])

    def __iter__(self) -> Iterator[T]:
        return (self._build(k) for k in self._keys)

    @property
    def keys(self) -> Sequence[int]:
        """The internal indices behind the items (call or event indices)."""
        return self._keys

    def ids(self) -> list[str]:
        """The items' ids (call ids, answered-scorecard ids) without building the items."""
        if self._key_id is None:
            raise TypeError("these items have no cheap id")
        return [self._key_id(k) for k in self._keys]

    def reordered(self, keys: Sequence[int]) -> LazyList[T]:
        """The same items in the order of ``keys`` (a permutation of this list's keys)."""
        return LazyList(keys, self._build, self._key_id)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, LazyList)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyList({len(self)} items)"


class Company(CompanyExtras):
    """A deterministic synthetic Gong tenant; see the module docstring.

    Engage, permissions, CRM, audit logs, coaching and AI briefs: see
    :class:`~dlt_gong.sandbox.company_extras.CompanyExtras`.
    """

    def __init__(
        self, config: SandboxConfig | None = None, clock: SandboxClock | None = None
    ) -> None:
        self.config = config = config or SandboxConfig()
        self.tz = config.tz
        start = config.now or utc_now_seconds()
        self.clock = clock or SandboxClock(start, frozen=config.freeze_clock)
        self.anchor: datetime = start.astimezone(timezone.utc)
        anchor = self.anchor.timestamp()
        history_start = anchor - config.days * 86400.0
        self.ids = ids = IdCodec(config.seed)
        self.roster = Roster(config.seed, config.users, config.workspaces, history_start, ids)
        self.catalog = Catalog(config.seed, config.workspaces, self.roster, history_start, ids)
        future_calls = round(config.calls * config.future_days / config.days)
        n_accounts = max(10, min(60_000, config.calls // 15 + 10))
        self.accounts = AccountBook(config.seed, n_accounts)
        self.skeleton = CallSkeleton(
            SkeletonParams(
                seed=config.seed,
                history_calls=config.calls,
                future_calls=future_calls,
                history_start=history_start,
                anchor=anchor,
                future_end=anchor + config.future_days * 86400.0,
                tz=self.tz,
                private_rate=config.private_call_rate,
                processing_delay_seconds=config.processing_delay_minutes * 60.0,
                late_rate=config.late_call_rate,
                late_delay_seconds=config.late_call_delay_hours * 3600.0,
                n_accounts=n_accounts,
                scorecard_workspaces=frozenset(self.catalog.scorecards_for),
            ),
            self.roster,
        )
        self.removals = Removals(
            RemovalParams(
                seed=config.seed,
                deleted_call_rate=config.deleted_call_rate,
                privatized_call_rate=config.privatized_call_rate,
                removed_settings_rate=config.removed_settings_rate,
                within_seconds=config.removals_within_days * 86400.0,
                anchor=anchor,
            ),
            self.skeleton,
        )
        self.factory = CallFactory(config.seed, self.tz, self.skeleton, self.roster,
                                   self.accounts, self.catalog, ids,
                                   retranscribed=config.retranscribed_calls)  # fmt: skip
        self.ledger = ActivityLedger(self.skeleton, self.roster, self.tz)
        self.reviews = Reviews(config.seed, self.tz, self.skeleton, self.roster, self.catalog, ids)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._filter_time_cache: list[float] | None = None

    # -- time ---------------------------------------------------------------------------

    def now(self) -> datetime:
        """The sandbox clock's current time (UTC)."""
        return self.clock.now()

    def _as_of(self, as_of: AsOf) -> float:
        if as_of is None:
            return self.clock.timestamp()
        if isinstance(as_of, datetime):
            return as_of.timestamp()
        return float(as_of)

    def today(self, as_of: AsOf = None) -> date:
        """Today's date in the company's time zone."""
        return local_date(self._as_of(as_of), self.tz)

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """Memoise the last few filter results (paging re-asks the same question)."""
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return value

    # -- users ----------------------------------------------------------------------------

    def users(self, *, user_ids: Iterable[str] | None = None,
              created_from: DateTimeArg = None, created_to: DateTimeArg = None,
              include_avatars: bool = False,
              as_of: AsOf = None) -> list[dict[str, Any]]:  # fmt: skip
        """``GET /v2/users`` (no filters) and ``POST /v2/users/extensive``, by creation order.

        ``created_from`` is inclusive, ``created_to`` exclusive; unknown ``user_ids`` are
        simply not found, nor are users removed by ``as_of``.
        """
        moment = self._as_of(as_of)
        lo = _bound(created_from, "createdFromDateTime")
        hi = _bound(created_to, "createdToDateTime")
        wanted = set(user_ids) if user_ids is not None else None
        people: list[Person] = list(self.roster.people)
        if include_avatars:
            people.append(self.roster.avatar)
        return [
            self._user_json(p)
            for p in people
            if (wanted is None or p.id in wanted)
            and not self.removals.removed("user", p.index, moment)
            and (lo is None or p.created >= lo)
            and (hi is None or p.created < hi)
        ]

    def user(self, user_id: str) -> dict[str, Any]:
        """One user; NotFoundError("User not found") for an unknown id."""
        return self._user_json(self._person(user_id))

    def _user_json(self, person: Person) -> dict[str, Any]:
        found = self.roster.user_json(person, self.tz)
        return unknown.user(found) if self.config.unknown_fields else found

    def _person(self, user_id: object) -> Person:
        person = self.roster.by_id.get(user_id) if isinstance(user_id, str) else None
        if person is None or self.removals.removed("user", person.index, self._as_of(None)):
            raise NotFoundError(messages.USER_NOT_FOUND)
        return person

    def user_settings_history(self, user_id: str) -> list[dict[str, Any]]:
        """``GET /v2/users/{id}/settings-history``, oldest first."""
        return self.roster.settings_history(self._person(user_id), self.tz)

    # -- settings-like lists ------------------------------------------------------------

    def workspaces(self) -> list[dict[str, Any]]:
        """``GET /v2/workspaces``."""
        return [self.catalog.workspace_json(ws) for ws in self.catalog.workspaces]

    def _workspace_index(self, workspace_id: str | None, not_found: str) -> int | None:
        if workspace_id is None:
            return None
        ws = self.catalog.workspace_by_id.get(workspace_id)
        if ws is None:
            raise NotFoundError(not_found)
        return ws.index

    def trackers(self, workspace_id: str | None = None,
                 as_of: AsOf = None) -> list[dict[str, Any]]:  # fmt: skip
        """``GET /v2/settings/trackers``; NotFoundError("Workspace not found") if unknown."""
        ws = self._workspace_index(workspace_id, messages.WORKSPACE_NOT_FOUND)
        moment = self._as_of(as_of)
        return [
            self.catalog.tracker_json(t, self.tz)
            for t in self.catalog.trackers
            if (ws is None or t.workspace == ws)
            and not self.removals.removed("tracker", t.index, moment)
        ]

    def scorecards(self, as_of: AsOf = None) -> list[dict[str, Any]]:
        """``GET /v2/settings/scorecards``."""
        moment = self._as_of(as_of)
        return [
            self.catalog.scorecard_json(card, self.tz)
            for card in self.catalog.scorecards
            if not self.removals.removed("scorecard", card.index, moment)
        ]

    def call_outcomes(self) -> list[dict[str, Any]]:
        """``GET /v2/call-outcomes``."""
        return self.catalog.outcomes_json()

    def library_folders(self, workspace_id: str | None = None,
                        as_of: AsOf = None) -> list[dict[str, Any]]:  # fmt: skip
        """``GET /v2/library/folders`` (public folders; roots have ``parentFolderId: null``)."""
        ws = self._workspace_index(workspace_id, messages.NO_FOLDERS_FOUND)
        moment = self._as_of(as_of)
        return [
            self.catalog.folder_json(f, self.tz)
            for f in self.catalog.folders
            if (ws is None or f.workspace == ws) and not self._folder_removed(f, moment)
        ]

    def _folder_removed(self, folder: Folder, moment: float) -> bool:
        """Only folders without subfolders are ever removed, so no folder loses its parent."""
        if folder.parent is None or any(f.parent == folder.index for f in self.catalog.folders):
            return False
        return self.removals.removed("folder", folder.index, moment)

    def library_folder_content(self, folder_id: str, as_of: AsOf = None) -> dict[str, Any]:
        """``GET /v2/library/folder-content``: the folder with the calls added by ``as_of``."""
        folder = self.catalog.folder_by_id.get(folder_id)
        moment = self._as_of(as_of)
        if folder is None or self._folder_removed(folder, moment):
            raise NotFoundError(messages.FOLDER_NOT_FOUND)
        removals = self.removals
        calls = [
            self._library_call(i, added, by, note, snippet)
            for n, (i, added, by, note, snippet) in enumerate(self._folder_calls(folder))
            if added <= moment
            and self.skeleton.visible[i] <= moment
            and not removals.removed("folder_entry", folder.index * 1000 + n, moment)
            and not removals.call_deleted(i, moment)
            and not removals.call_privatized(i, moment)
        ]
        out = self.catalog.folder_json(folder, self.tz)
        del out["parentFolderId"]
        out["calls"] = calls
        return out

    def _folder_calls(self, folder: Folder) -> list[FolderEntry]:
        if folder.parent is None:
            return []
        sk = self.skeleton
        rng = random.Random(f"{self.config.seed}:folder:{folder.index}")
        users = [p.id for p in self.roster.people if p.active]
        out: list[FolderEntry] = []
        for _ in range(rng.randint(2, 8)):
            for _attempt in range(50):
                if sk.n_history == 0:
                    break
                i = rng.randrange(sk.n_history)
                if sk.workspace[i] == folder.workspace and not sk.flags[i] & PRIVATE:
                    added = sk.visible[i] + rng.uniform(0.1, 20.0) * 86400.0
                    duration = sk.duration[i]
                    a = rng.randrange(0, max(1, duration // 2))
                    b = min(duration, a + rng.randint(20, 300))
                    note = rng.choice((None, "Great example", "Listen from minute 5", None))
                    out.append((i, round(added), folder.created_by or rng.choice(users), note,
                                (a, b)))  # fmt: skip
                    break
        out.sort(key=lambda item: item[1])
        return out

    def _library_call(self, i: int, added: float, by: str, note: str | None,
                      snippet: tuple[int, int]) -> dict[str, Any]:  # fmt: skip
        meta = self.factory.metadata(i)
        return {
            "id": meta["id"],
            "title": meta["title"],
            "note": note,
            "addedBy": by,
            "created": iso(added, self.tz),
            "url": f"{meta['url']}&highlights=%5B%7B%22to%22%3A+{snippet[1]}%2C+%22from%22%3A+"
            f"{snippet[0]}%2C+%22type%22%3A+%22LIBRARY%22%7D%5D",
            "snippet": {"fromSec": snippet[0], "toSec": snippet[1]},
        }

    # -- calls -----------------------------------------------------------------------------

    def call_index(self, call_id: object) -> int | None:
        """The skeleton index of a call id (None if no such call)."""
        return self.factory.index_of(call_id)

    def call_id(self, index: int) -> str:
        """The id of the call at skeleton index ``index``."""
        return self.factory.call_id(index)

    def call_indices(self, from_dt: DateTimeArg = None, to_dt: DateTimeArg = None, *,
                     workspace_id: str | None = None, call_ids: Iterable[str] | None = None,
                     primary_user_ids: Iterable[str] | None = None, include_private: bool = True,
                     as_of: AsOf = None) -> Sequence[int]:  # fmt: skip
        """Skeleton indices of processed calls matching the filters, in start order.

        ``from_dt`` inclusive, ``to_dt`` exclusive, on the call's start time, or with
        ``calls_filter_time="scheduled"`` on a web conference's scheduled time (the spec).
        """
        lo = _bound(from_dt, "fromDateTime")
        hi = _bound(to_dt, "toDateTime")
        moment = self._as_of(as_of)
        ws: int | None = -1 if workspace_id is not None else None
        if workspace_id is not None and workspace_id in self.catalog.workspace_by_id:
            ws = self.catalog.workspace_by_id[workspace_id].index
        ids_key = tuple(sorted(set(call_ids))) if call_ids is not None else None
        hosts_key = tuple(sorted(set(primary_user_ids))) if primary_user_ids is not None else None
        key = ("calls", lo, hi, ws, ids_key, hosts_key, include_private, moment)
        return self._cached(key, lambda: self._filter_calls(lo, hi, ws, ids_key, hosts_key,
                                                            include_private, moment))  # fmt: skip

    def _filter_calls(self, lo: float | None, hi: float | None, ws: int | None,
                      call_ids: tuple[str, ...] | None, hosts: tuple[str, ...] | None,
                      include_private: bool, moment: float) -> array[int]:  # fmt: skip
        sk = self.skeleton
        candidates: Iterable[int]
        if call_ids is not None:
            found = {self.factory.index_of(c) for c in call_ids}
            found.discard(None)
            candidates = sorted(i for i in found if i is not None)
        else:
            # a scheduled time is up to 15 minutes before the start (calls.py): widen by that
            widen = SCHEDULE_GRID if self.config.calls_filter_time == "scheduled" else 0
            candidates = sk.window(lo, None if hi is None else hi + widen)
        host_set: set[int] | None = None
        if hosts is not None:
            host_set = {self.roster.by_id[h].index for h in hosts if h in self.roster.by_id}
        visible, flags = sk.visible, sk.flags
        start = self._filter_times()
        workspace, host = sk.workspace, sk.host
        matching = array(  # compact: a cached 100,000-call result costs 400 kB, not 4 MB
            "I",
            (
                i
                for i in candidates
                if visible[i] <= moment
                and (lo is None or start[i] >= lo)
                and (hi is None or start[i] < hi)
                and (ws is None or workspace[i] == ws)
                and (host_set is None or host[i] in host_set)
                and (include_private or not flags[i] & PRIVATE)
            ),
        )
        removals = self.removals
        if not removals.any_call:
            return matching
        return array(
            "I",
            (
                i
                for i in matching
                if not removals.call_deleted(i, moment)
                and (include_private or not removals.call_privatized(i, moment))
            ),
        )

    def _private_now(self, i: int, item: dict[str, Any], moment: float) -> dict[str, Any]:
        """A call made private after it was recorded: flagged, its content withheld (what
        Gong keeps of a private call: metaData, context, parties)."""
        if not self.removals.call_privatized(i, moment):
            return item
        if "metaData" not in item:
            return {**item, "isPrivate": True}
        kept = {k: v for k, v in item.items() if k in ("metaData", "context", "parties")}
        kept["metaData"] = {**item["metaData"], "isPrivate": True}
        return kept

    def _filter_times(self) -> Sequence[float]:
        """The time each call's date filters compare (see ``SandboxConfig.calls_filter_time``)."""
        sk = self.skeleton
        if self.config.calls_filter_time == "started":
            return sk.start
        found = self._filter_time_cache
        if found is None:
            found = [
                t - t % SCHEDULE_GRID if f & VIDEO else t
                for t, f in zip(sk.start, sk.flags, strict=True)
            ]
            self._filter_time_cache = found
        return found

    def ordered(self, items: LazyList[T], sequence: bytes) -> LazyList[T]:
        """``items`` (in start order) in the order ``calls_order`` serves them; "shuffled"
        draws one order per pagination sequence (``sequence`` names it), so its pages
        still partition the result."""
        order = self.config.calls_order
        if order == "oldest_first":
            return items
        keys = list(items.keys)
        if order == "newest_first":
            keys.reverse()
        else:
            random.Random(sequence).shuffle(keys)
        return items.reordered(keys)

    def calls_basic(self, from_dt: DateTimeArg = None, to_dt: DateTimeArg = None,
                    workspace_id: str | None = None,
                    as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``GET /v2/calls``: ``CallBasicData`` of processed calls, by start time then id."""
        moment = self._as_of(as_of)
        keys = self.call_indices(from_dt, to_dt, workspace_id=workspace_id, as_of=moment)

        def build(i: int) -> dict[str, Any]:
            found = self._private_now(i, dict(self.factory.metadata(i)), moment)
            return unknown.call_metadata(found) if self.config.unknown_fields else found

        return LazyList(keys, build, self.factory.call_id)

    def calls(self, from_dt: DateTimeArg = None, to_dt: DateTimeArg = None,
              workspace_id: str | None = None, call_ids: Iterable[str] | None = None,
              primary_user_ids: Iterable[str] | None = None,
              content_selector: Mapping[str, Any] | ContentSelector | None = None,
              as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``POST /v2/calls/extensive``: nested ``CallData`` items, by start time then id.

        Filters combine (AND). Without ``content_selector`` items carry ``metaData`` only.
        Private calls are included but keep only metaData, context and parties.
        """
        try:
            selector = ContentSelector.parse(content_selector)
        except ValueError as exc:
            raise BadRequestError(messages.INVALID_FIELD.format(field=str(exc))) from exc
        moment = self._as_of(as_of)
        keys = self.call_indices(from_dt, to_dt, workspace_id=workspace_id, call_ids=call_ids,
                                 primary_user_ids=primary_user_ids, as_of=moment)  # fmt: skip
        factory = self.factory

        def build(i: int) -> dict[str, Any]:
            found = self._private_now(i, factory.item(i, selector, moment), moment)
            return unknown.call_item(found) if self.config.unknown_fields else found

        return LazyList(keys, build, factory.call_id)

    def transcripts(self, from_dt: DateTimeArg = None, to_dt: DateTimeArg = None,
                    workspace_id: str | None = None, call_ids: Iterable[str] | None = None,
                    as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``POST /v2/calls/transcript``: ``{callId, transcript}`` of processed public calls."""
        keys = self.call_indices(from_dt, to_dt, workspace_id=workspace_id, call_ids=call_ids,
                                 include_private=False, as_of=as_of)  # fmt: skip
        return LazyList(keys, self.factory.transcript_item, self.factory.call_id)

    # -- stats ----------------------------------------------------------------------------

    def stats_window(self, from_date: DateArg, to_date: DateArg,
                     as_of: AsOf = None) -> tuple[date, date]:  # fmt: skip
        """Validate a stats ``fromDate``/``toDate`` pair (company time zone) and return it.

        Both required; ``fromDate`` after ``toDate`` or ``toDate`` after today is a 400.
        An empty window (equal dates) is valid here and yields no rows (the 404 of Gong).
        """
        f = _date(from_date, "fromDate")
        t = _date(to_date, "toDate")
        if f is None:
            raise BadRequestError(messages.MISSING_FIELD.format(field="filter.fromDate"))
        if t is None:
            raise BadRequestError(messages.MISSING_FIELD.format(field="filter.toDate"))
        if f > t:
            raise BadRequestError(messages.DATES_REVERSED.format(from_field="fromDate",
                                                                 to_field="toDate"))  # fmt: skip
        if t > self.today(as_of):
            raise BadRequestError(messages.DATE_AFTER_TODAY.format(field="toDate"))
        return f, t

    def stats_envelope(self, from_date: date, to_date: date) -> dict[str, str]:
        """The top-level ``fromDateTime``/``toDateTime``/``timeZone`` of stats responses."""
        return {
            "fromDateTime": local_midnight(from_date, self.tz).isoformat(),
            "toDateTime": local_midnight(to_date, self.tz).isoformat(),
            "timeZone": self.config.time_zone,
        }

    def _stats_users(self, user_ids: Iterable[str] | None, created_from: DateTimeArg,
                     created_to: DateTimeArg) -> list[int] | None:  # fmt: skip
        """Requested users by index (404 "User not found" for an unknown one), or None = all."""
        lo = _bound(created_from, "createdFromDateTime")
        hi = _bound(created_to, "createdToDateTime")
        if user_ids is None and lo is None and hi is None:
            return None
        if user_ids is None:
            chosen = list(self.roster.people)
        else:
            chosen = [self._person(u) for u in dict.fromkeys(user_ids)]
        return sorted(
            p.index
            for p in chosen
            if (lo is None or p.created >= lo) and (hi is None or p.created < hi)
        )

    def _daily(self, f: date, t: date, moment: float) -> DailyActivity:
        return self._cached(("daily", f, t, moment), lambda: self.ledger.daily(f, t, moment))

    def _activity_rows(self, from_date: DateArg, to_date: DateArg,
                       user_ids: Iterable[str] | None, created_from: DateTimeArg,
                       created_to: DateTimeArg,
                       as_of: AsOf) -> tuple[DailyActivity, list[int]]:  # fmt: skip
        moment = self._as_of(as_of)
        f, t = self.stats_window(from_date, to_date, moment)
        chosen = self._stats_users(user_ids, created_from, created_to)
        daily = self._daily(f, t, moment)
        if not daily.days:
            return daily, []
        if chosen is None:
            chosen = sorted(daily.users)
        return daily, chosen

    def _user_head(self, user: int) -> dict[str, Any]:
        person = self.roster.people[user]
        return {"userId": person.id, "userEmailAddress": person.email}

    def _user_id(self, user: int) -> str:
        return self.roster.people[user].id

    def activity_day_by_day(self, from_date: DateArg, to_date: DateArg,
                            user_ids: Iterable[str] | None = None, *,
                            created_from: DateTimeArg = None, created_to: DateTimeArg = None,
                            as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``POST /v2/stats/activity/day-by-day``: per user, one entry per day with call ids.

        Without ``user_ids`` only users with activity in the window appear.
        """
        daily, chosen = self._activity_rows(from_date, to_date, user_ids, created_from,
                                            created_to, as_of)  # fmt: skip
        call_id = self.factory.call_id

        def build(user: int) -> dict[str, Any]:
            per_day = daily.users.get(user) or [{} for _ in daily.days]
            entries = []
            for n, day in enumerate(per_day):
                entry: dict[str, Any] = {
                    m: [call_id(c) for c in day.get(m, ())] for m in DAILY_METRICS
                }
                entry["fromDate"] = iso(daily.bounds[n], self.tz)
                entry["toDate"] = iso(daily.bounds[n + 1], self.tz)
                entries.append(entry)
            return {**self._user_head(user), "userDailyActivityStats": entries}

        return LazyList(chosen, build, self._user_id)

    def activity_by_period(self, from_date: DateArg, to_date: DateArg, period: str,
                           user_ids: Iterable[str] | None = None, *,
                           created_from: DateTimeArg = None, created_to: DateTimeArg = None,
                           as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``POST /v2/stats/activity/aggregate-by-period``: counts per DAY/WEEK/MONTH/...

        Periods are calendar-aligned (weeks start Monday) and clipped to the window.
        """
        if period not in PERIODS:
            raise BadRequestError(messages.INVALID_VALUE.format(field="aggregationPeriod",
                                                                value=period))  # fmt: skip
        daily, chosen = self._activity_rows(from_date, to_date, user_ids, created_from,
                                            created_to, as_of)  # fmt: skip
        starts = period_starts(daily.days, period)  # [] for an empty window
        ends = [*starts[1:], len(daily.days)] if starts else []
        spans = list(zip(starts, ends, strict=True))

        def build(user: int) -> dict[str, Any]:
            rows = []
            for a, b in spans:
                row: dict[str, Any] = daily.counts(user, a, b)
                row["fromDate"] = iso(daily.bounds[a], self.tz)
                row["toDate"] = iso(daily.bounds[b], self.tz)
                rows.append(row)
            return {**self._user_head(user), "userAggregateActivity": rows}

        return LazyList(chosen, build, self._user_id)

    def activity_aggregate(self, from_date: DateArg, to_date: DateArg,
                           user_ids: Iterable[str] | None = None, *,
                           created_from: DateTimeArg = None, created_to: DateTimeArg = None,
                           as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``POST /v2/stats/activity/aggregate``: the window's 15 counts per user."""
        daily, chosen = self._activity_rows(from_date, to_date, user_ids, created_from,
                                            created_to, as_of)  # fmt: skip

        def build(user: int) -> dict[str, Any]:
            counts = daily.counts(user, 0, len(daily.days))
            return {
                **self._user_head(user),
                "userAggregateActivityStats": {m: counts[m] for m in AGGREGATE_METRICS},
            }

        return LazyList(chosen, build, self._user_id)

    def _processed_within(self) -> float | None:
        """The longest a call takes from its start to being processed (calls last at most
        a few hours; the delays are drawn within 1.6 and 1.2 times their setting), or None
        when interaction stats count on the day a call started."""
        if self.config.interaction_stats_day != "processed":
            return None
        config = self.config
        return (
            86400.0
            + 1.6 * 60 * config.processing_delay_minutes
            + (1.2 * 3600 * config.late_call_delay_hours)
        )

    def interaction_stats(self, from_date: DateArg, to_date: DateArg,
                          user_ids: Iterable[str] | None = None, *,
                          created_from: DateTimeArg = None, created_to: DateTimeArg = None,
                          as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``POST /v2/stats/interaction``: per user who hosted processed calls in the window,
        their calls' interaction stats combined (means; max for the longest-* stats).

        A call counts on the day it started, or with ``interaction_stats_day="processed"``
        on the day Gong processed it (the spec does not say which)."""
        moment = self._as_of(as_of)
        f, t = self.stats_window(from_date, to_date, moment)
        chosen = self._stats_users(user_ids, created_from, created_to)
        hosted = self.ledger.hosted_calls(
            local_midnight(f, self.tz).timestamp(),
            local_midnight(t, self.tz).timestamp(),
            moment,
            processed_within=self._processed_within(),
        )
        users = sorted(hosted) if chosen is None else [u for u in chosen if u in hosted]

        def build(user: int) -> dict[str, Any]:
            combined = combine_interaction(self.factory.interaction_values(c) for c in hosted[user])
            return {
                **self._user_head(user),
                "personInteractionStats": [{"name": n, "value": v} for n, v in combined],
            }

        return LazyList(users, build, self._user_id)

    # -- answered scorecards ----------------------------------------------------------------

    def answered_scorecards(self, *, call_from_date: DateArg = None, call_to_date: DateArg = None,
                            review_from_date: DateArg = None, review_to_date: DateArg = None,
                            review_method: str = "MANUAL",
                            reviewed_user_ids: Iterable[str] | None = None,
                            scorecard_ids: Iterable[str] | None = None,
                            as_of: AsOf = None) -> LazyList[dict[str, Any]]:  # fmt: skip
        """``POST /v2/stats/activity/scorecards``, by review time.

        Dates are company-time-zone days, from inclusive, to exclusive; ``review_method``
        defaults to MANUAL like Gong (BOTH for everything). Unknown reviewed users or
        scorecards simply match nothing.
        """
        if review_method not in REVIEW_METHODS:
            raise BadRequestError(messages.INVALID_VALUE.format(field="reviewMethod",
                                                                value=review_method))  # fmt: skip
        bounds = []
        for (a_name, a), (b_name, b) in (
            (("callFromDate", call_from_date), ("callToDate", call_to_date)),
            (("reviewFromDate", review_from_date), ("reviewToDate", review_to_date)),
        ):
            lo, hi = _date(a, a_name), _date(b, b_name)
            if lo is not None and hi is not None and lo > hi:
                raise BadRequestError(messages.DATES_REVERSED.format(from_field=a_name,
                                                                     to_field=b_name))  # fmt: skip
            bounds.append(
                (
                    local_midnight(lo, self.tz).timestamp() if lo else None,
                    local_midnight(hi, self.tz).timestamp() if hi else None,
                )
            )
        reviewed = None
        if reviewed_user_ids is not None:
            reviewed = frozenset(
                self.roster.by_id[u].index for u in reviewed_user_ids if u in self.roster.by_id
            )
        flt = ReviewFilter(
            call_start=bounds[0][0],
            call_end=bounds[0][1],
            review_start=bounds[1][0],
            review_end=bounds[1][1],
            methods=methods_for(review_method),
            reviewed_users=reviewed,
            scorecards=frozenset(scorecard_ids) if scorecard_ids is not None else None,
        )
        moment = self._as_of(as_of)
        sk, removals = self.skeleton, self.removals

        def find() -> array[int]:  # a deleted call's scorecards go with it
            found = self.reviews.find(flt, moment)
            return array("I", (e for e in found
                               if not removals.call_deleted(sk.event_call(e), moment)))  # fmt: skip

        keys = self._cached(("reviews", flt, moment), find)
        return LazyList(keys, self.reviews.item, lambda e: self.ids.encode("answered-scorecard", e))


def _bound(value: DateTimeArg, name: str) -> float | None:
    try:
        moment = as_aware(value)
    except ValueError as exc:
        raise BadRequestError(messages.INVALID_DATE_TIME.format(field=name, value=value)) from exc
    return moment.timestamp() if moment is not None else None


def _date(value: DateArg, name: str) -> date | None:
    try:
        return as_date(value)
    except ValueError as exc:
        raise BadRequestError(messages.INVALID_DATE.format(field=name, value=value)) from exc
