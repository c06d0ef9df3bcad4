"""Ground truth of Engage, permissions, CRM, audit logs, coaching and AI briefs.

A mixin of :class:`~dlt_gong.sandbox.company.Company`: one method per endpoint, returning
the full, unpaged, ordered answer for the given inputs at a moment, and raising the
:class:`~dlt_gong.sandbox.errors.GongError` Gong answers for bad inputs. The data behind
them is built on first use, so a sandbox that never serves these endpoints pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from dlt_gong.sandbox import messages
from dlt_gong.sandbox.audit import LOG_TYPES, AuditLog
from dlt_gong.sandbox.briefs import Briefs
from dlt_gong.sandbox.coaching import coaching_metrics
from dlt_gong.sandbox.crm import OBJECT_TYPES, Crm
from dlt_gong.sandbox.engage import Engage
from dlt_gong.sandbox.errors import BadRequestError, GongError, NotFoundError
from dlt_gong.sandbox.permissions import Permissions
from dlt_gong.sandbox.roster import Person
from dlt_gong.sandbox.timeutil import as_aware

if TYPE_CHECKING:
    from dlt_gong.sandbox.accounts import AccountBook
    from dlt_gong.sandbox.catalog import Catalog
    from dlt_gong.sandbox.config import SandboxConfig
    from dlt_gong.sandbox.ids import IdCodec
    from dlt_gong.sandbox.roster import Roster
    from dlt_gong.sandbox.skeleton import CallSkeleton

T = TypeVar("T")
AsOf = datetime | float | None
DateTimeArg = datetime | str | None
MAX_FLOW_IDS = 20  # spec: "A maximum of 20 flow IDs may be requested at a time"
MAX_ACCESS_CALL_IDS = 100  # (guess) like transcripts; the spec sets no limit
CRM_TYPE = "SALESFORCE"  # the calls' CRM context is Salesforce's


class CompanyExtras:
    """The endpoints beyond users, calls, stats and settings; see the module docstring."""

    if TYPE_CHECKING:
        config: SandboxConfig
        tz: ZoneInfo
        anchor: datetime
        ids: IdCodec
        roster: Roster
        catalog: Catalog
        accounts: AccountBook
        skeleton: CallSkeleton

        def _as_of(self, as_of: AsOf) -> float: ...
        def _cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T: ...
        def call_id(self, index: int) -> str: ...
        def call_index(self, call_id: object) -> int | None: ...

    # -- what it is built from -------------------------------------------------------------

    @property
    def _history_start(self) -> float:
        return self.anchor.timestamp() - self.config.days * 86400.0

    @property
    def _future_end(self) -> float:
        return self.anchor.timestamp() + self.config.future_days * 86400.0

    @cached_property
    def engage(self) -> Engage:
        """Flow folders, flows, steps and tasks."""
        return Engage(
            self.config.seed,
            self.roster,
            self.accounts,
            self.config.workspaces,
            self._history_start,
            self._future_end,
            self.ids,
        )

    @cached_property
    def permissions(self) -> Permissions:
        """Permission profiles and individual call access."""
        return Permissions(self.config.seed, self.roster, self.config.workspaces, self.ids)

    @cached_property
    def crm(self) -> Crm:
        """The generic CRM integration."""
        return Crm(self.roster, self.ids, self._history_start - 30 * 86400.0)

    @cached_property
    def brief_settings(self) -> Briefs:
        """AI brief settings."""
        return Briefs(self.config.seed, self.roster, self.catalog, self._history_start, self.ids)

    @cached_property
    def audit(self) -> AuditLog:
        """Log entries of every type."""
        return AuditLog(
            self.config.seed,
            self.roster,
            self.skeleton,
            self.accounts,
            self._history_start,
            f"https://{self.roster.tenant}.app.gong.io",
            lambda ws: self.catalog.workspaces[ws].id,
            self.call_id,
            self.ids,
            self.config.log_delay_minutes * 60.0,
        )

    # -- helpers ---------------------------------------------------------------------------

    def _workspace(self, workspace_id: object, error: Exception) -> int:
        ws = (
            self.catalog.workspace_by_id.get(workspace_id)
            if isinstance(workspace_id, str)
            else None
        )
        if ws is None:
            raise error
        return ws.index

    def _user_by_email(self, email: str) -> Person:
        """The user with this email; a 400 otherwise (guess: the answer is unrecorded)."""
        wanted = email.strip().lower()
        for p in self.roster.people:
            if p.email == wanted:
                return p
        raise BadRequestError(messages.FLOW_OWNER_NOT_FOUND.format(email=email))

    @staticmethod
    def _moment(value: DateTimeArg, name: str, required: bool = True) -> float | None:
        if value is None:
            if required:
                raise BadRequestError(messages.MISSING_FIELD.format(field=name))
            return None
        try:
            moment = as_aware(value)
        except ValueError as exc:
            raise BadRequestError(
                messages.INVALID_DATE_TIME.format(field=name, value=value)
            ) from exc
        assert moment is not None
        return moment.timestamp()

    # -- GET /v2/logs ----------------------------------------------------------------------

    def audit_logs(
        self, log_type: str, from_dt: DateTimeArg, to_dt: DateTimeArg = None, as_of: AsOf = None
    ) -> Sequence[dict[str, Any]]:
        """``GET /v2/logs``: entries of ``log_type`` in ``[from, to)``, by time."""
        if log_type not in LOG_TYPES:
            raise BadRequestError(messages.INVALID_VALUE.format(field="logType", value=log_type))
        lo = self._moment(from_dt, "fromDateTime")
        hi = self._moment(to_dt, "toDateTime", required=False)
        assert lo is not None
        moment = self._as_of(as_of)
        entries = self._cached(
            ("logs", log_type, lo, hi, moment), lambda: self.audit.entries(log_type, lo, hi, moment)
        )
        return _Mapped(entries, self.audit.entry_json)

    # -- GET /v2/coaching ------------------------------------------------------------------

    def coaching(
        self,
        workspace_id: str,
        manager_id: str,
        from_dt: DateTimeArg,
        to_dt: DateTimeArg,
        as_of: AsOf = None,
    ) -> list[dict[str, Any]]:
        """``GET /v2/coaching``: the manager's reports in the workspace and their metrics.

        An unknown workspace or manager is a 400 (guess: the spec lists no 404 for this
        operation and no such answer was recorded).
        """
        ws = self._workspace(workspace_id, BadRequestError(messages.WORKSPACE_NOT_FOUND))
        manager = self.roster.by_id.get(manager_id)
        if manager is None or manager.is_avatar:
            raise BadRequestError(messages.USER_NOT_FOUND)
        lo = self._moment(from_dt, "from")
        hi = self._moment(to_dt, "to")
        assert lo is not None and hi is not None
        return coaching_metrics(
            self.skeleton, self.roster, self.call_id, manager.index, ws, lo, hi, self._as_of(as_of)
        )

    # -- Engage ----------------------------------------------------------------------------

    def flows(
        self,
        owner_email: str,
        *,
        workspace_id: str | None = None,
        folder_id: str | None = None,
        most_recently_assigned: bool = False,
        as_of: AsOf = None,
    ) -> list[dict[str, Any]]:
        """``GET /v2/flows``: company flows, the owner's and those shared with them.

        By creation time; with ``most_recently_assigned`` the 20 flows the owner assigned
        prospects to most recently instead, latest first.
        """
        owner = self._user_by_email(owner_email)
        ws = (
            None
            if workspace_id is None
            else self._workspace(workspace_id, BadRequestError(messages.WORKSPACE_NOT_FOUND))
        )
        found = [
            f
            for f in self.engage.flows_for(owner.index, self._as_of(as_of))
            if (ws is None or f.workspace == ws) and (folder_id is None or f.folder.id == folder_id)
        ]
        found.sort(key=lambda f: (f.created, f.id))
        if most_recently_assigned:
            found = [f for f in found if (f.index + owner.index) % 3 != 0]
            found.sort(key=lambda f: -((f.index * 2654435761 + owner.index) % 1000003))
            found = found[:20]
        return [self.engage.flow_json(f, self.tz) for f in found]

    def flow_folders(
        self, owner_email: str, *, parent_id: str | None = None, workspace_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``GET /v2/flows/folders``: system, company and the owner's own folders.

        With ``parent_id``: that folder and its children only.
        """
        owner = self._user_by_email(owner_email)
        ws = (
            None
            if workspace_id is None
            else self._workspace(workspace_id, BadRequestError(messages.WORKSPACE_NOT_FOUND))
        )
        return [
            self.engage.folder_json(f)
            for f in self.engage.folders_for(owner.index)
            if (ws is None or f.workspace == ws or f.id == self.engage.shared_root.id)
            and (parent_id is None or parent_id in (f.id, f.parent))
        ]

    def flow_steps(self, flow_ids: Iterable[str], as_of: AsOf = None) -> list[dict[str, Any]]:
        """``POST /v2/flows/steps``: the flows with their steps, in the order asked."""
        wanted = list(dict.fromkeys(flow_ids))
        if not wanted:
            raise BadRequestError(messages.MISSING_FIELD.format(field="flowIds"))
        if len(wanted) > MAX_FLOW_IDS:
            raise BadRequestError(messages.TOO_MANY_FLOW_IDS)
        moment = self._as_of(as_of)
        out = []
        for flow_id in wanted:
            flow = self.engage.flow_by_id.get(flow_id)
            if flow is None or flow.created > moment:
                raise NotFoundError(messages.FLOW_NOT_FOUND.format(flow_id=flow_id))
            out.append(self.engage.flow_steps_json(flow, self.tz))
        return out

    def tasks(
        self,
        user_id: str,
        *,
        statuses: Iterable[str] = ("OPEN",),
        types: Iterable[str] = ("FLOW", "MANUAL"),
        actions: Iterable[str] = ("CALL",),
        workspace_id: str | None = None,
        as_of: AsOf = None,
    ) -> list[dict[str, Any]]:
        """``POST /v2/tasks``: the user's tasks with those statuses and types, by creation."""
        person = self.roster.by_id.get(user_id)
        if person is None or person.is_avatar:
            # recording list-tasks: a made-up userId (other fixtures reuse it as a fake id)
            # got a 500 "Internal server error occurred", not a 400 or a 404
            raise GongError(messages.INTERNAL_ERROR)
        ws = (
            None
            if workspace_id is None
            else self._workspace(workspace_id, BadRequestError(messages.WORKSPACE_NOT_FOUND))
        )
        moment = self._as_of(as_of)
        statuses, types = set(statuses), set(types)
        if "CALL" not in set(actions):
            return []
        return [
            self.engage.task_json(t, moment, self.tz)
            for t in self.engage.tasks_of.get(person.index, ())
            if t.created <= moment
            and t.type in types
            and t.status(moment) in statuses
            and (ws is None or t.workspace == ws)
        ]

    # -- permissions -----------------------------------------------------------------------

    def permission_profiles(self, workspace_id: str) -> list[dict[str, Any]]:
        """``GET /v2/all-permission-profiles``: the workspace's profiles by name.

        An unknown workspace is "Bad request" (guess, by analogy with the recorded answer of
        ``/v2/permission-profile/users`` to an unknown profile).
        """
        ws = self._workspace(workspace_id, BadRequestError(messages.BAD_REQUEST))
        return [self.permissions.profile_json(p) for p in self.permissions.in_workspace(ws)]

    def permission_profile_users(self, profile_id: str) -> list[dict[str, Any]]:
        """``GET /v2/permission-profile/users``; "Bad request" for an unknown profile (recorded)."""
        profile = self.permissions.by_id.get(profile_id)
        if profile is None:
            raise BadRequestError(messages.BAD_REQUEST)
        return self.permissions.users_json(profile)

    def call_users_access(
        self, call_ids: Iterable[str], as_of: AsOf = None
    ) -> list[dict[str, Any]]:
        """``POST /v2/calls/users-access``: per call asked, the users given individual access.

        Every id must be a call processed by ``as_of``, else "Some calls not found" (recorded).
        """
        wanted = list(dict.fromkeys(call_ids))
        if not wanted:
            raise BadRequestError(messages.MISSING_FIELD.format(field="filter.callIds"))
        if len(wanted) > MAX_ACCESS_CALL_IDS:
            raise BadRequestError(messages.TOO_MANY_CALL_IDS.format(limit=MAX_ACCESS_CALL_IDS))
        moment = self._as_of(as_of)
        indices = [self.call_index(c) for c in wanted]
        if any(i is None or self.skeleton.visible[i] > moment for i in indices):
            raise BadRequestError(messages.SOME_CALLS_NOT_FOUND)
        people = self.roster.people
        return [
            {
                "callId": call_id,
                "users": [
                    {"userId": people[u].id}
                    for u in self.permissions.call_access(i, self.skeleton.host[i])
                ],
            }
            for call_id, i in zip(wanted, indices, strict=True)
            if i is not None
        ]

    # -- CRM and briefs --------------------------------------------------------------------

    def crm_integrations(self) -> list[dict[str, Any]]:
        """``GET /v2/crm/integrations``."""
        return self.crm.integrations_json()

    def crm_entity_schema(
        self, integration_id: str | int, object_type: str | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """``GET /v2/crm/entity-schema``: fields per object type (all types when omitted)."""
        if str(integration_id) != str(self.crm.integration_id):
            raise BadRequestError(messages.INTEGRATION_NOT_FOUND)
        if object_type is not None and object_type not in OBJECT_TYPES:
            raise BadRequestError(
                messages.INVALID_VALUE.format(field="objectType", value=object_type)
            )
        stamp = datetime.fromtimestamp(self.crm.modified, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        types = [object_type] if object_type is not None else list(OBJECT_TYPES)
        return {t: self.crm.fields_json(t, stamp) for t in types}

    def briefs(self, workspace_id: str | None = None) -> list[dict[str, Any]]:
        """``GET /v2/settings/briefs``: all briefs, or one workspace's."""
        ws = (
            None
            if workspace_id is None
            else self._workspace(workspace_id, NotFoundError(messages.WORKSPACE_NOT_FOUND))
        )
        settings = self.brief_settings
        return [
            settings.brief_json(b, self.tz)
            for b in settings.briefs
            if ws is None or b.workspace == ws
        ]


class _Mapped(Sequence[Any]):
    """A sequence that turns ``items[n]`` into JSON when it is read (pages build 100)."""

    def __init__(self, items: Sequence[Any], build: Callable[[Any], Any]) -> None:
        self._items = items
        self._build = build

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._build(x) for x in self._items[index]]
        return self._build(self._items[index])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
