"""HTTP handlers of Engage, permissions, CRM, audit logs, coaching and AI briefs.

Like the handlers in :mod:`.app`, these only read the request, page and shape; the
answers come from :class:`~dlt_gong.sandbox.company_extras.CompanyExtras`. Paths, inputs,
scopes and response keys are the spec's, except where a recording says otherwise
(``flowsFolders``; flows lists that are empty are a 200, not a 404).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from dlt_gong.sandbox import messages
from dlt_gong.sandbox.errors import BadRequestError
from dlt_gong.sandbox.parsing import filter_of, opt_str, query_bool

if TYPE_CHECKING:
    from dlt_gong.sandbox.app import Context, GongApi

Handler = Callable[["Context"], dict[str, Any]]

# (spec) except api:permission-profile:read, which the spec does not name (guess)
LOGS_SCOPE = "api:logs:read"
COACHING_SCOPE = "api:coaching:read"
FLOWS_SCOPE = "api:flows:read"
PROFILES_SCOPE = "api:permission-profile:read"
USERS_SCOPE = "api:users:read"
CRM_INTEGRATIONS_SCOPE = "api:crm:integrations:read"
CRM_SCHEMA_SCOPE = "api:crm:schema"
CALL_ACCESS_SCOPE = "api:call-user-access:read"
BRIEFS_SCOPE = "api:ai-briefer:read"
TASKS_SCOPE = "api:tasks:read"


def _required(source: Mapping[str, Any], name: str) -> str:
    value = source.get(name)
    if value is None or value == "":
        raise BadRequestError(messages.MISSING_FIELD.format(field=name))
    if not isinstance(value, str):
        raise BadRequestError(messages.INVALID_FIELD.format(field=name))
    return value


def _numeric(source: Mapping[str, Any], name: str) -> str:
    """A required int64 query parameter, kept as its decimal text."""
    value = _required(source, name)
    if not value.lstrip("-").isdigit():
        raise BadRequestError(messages.INVALID_VALUE.format(field=name, value=value))
    return value


def _str_list(obj: Mapping[str, Any], name: str, where: str) -> list[str] | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadRequestError(messages.INVALID_FIELD.format(field=f"{where}.{name}"))
    return value


def _enum_list(obj: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> list[str]:
    """A required list of enum values (spec ``ReminderFilter``: all of them required)."""
    value = _str_list(obj, name, "filter")
    if value is None:
        raise BadRequestError(messages.MISSING_FIELD.format(field=f"filter.{name}"))
    for item in value:
        if item not in allowed:
            raise BadRequestError(messages.INVALID_VALUE.format(field=f"filter.{name}", value=item))
    return value


class ExtraEndpoints:
    """The handlers, bound to a :class:`GongApi` (for its paging and its company)."""

    def __init__(self, api: GongApi) -> None:
        self.api = api
        self.company = api.company

    def table(self) -> list[tuple[str, str, str, Handler]]:
        """(method, path template, OAuth scope, handler) rows for the endpoint table."""
        return [
            ("GET", "/v2/logs", LOGS_SCOPE, self.logs),
            ("GET", "/v2/coaching", COACHING_SCOPE, self.coaching),
            ("GET", "/v2/flows", FLOWS_SCOPE, self.flows),
            ("GET", "/v2/flows/folders", FLOWS_SCOPE, self.flow_folders),
            ("POST", "/v2/flows/steps", FLOWS_SCOPE, self.flow_steps),
            ("GET", "/v2/all-permission-profiles", PROFILES_SCOPE, self.permission_profiles),
            ("GET", "/v2/permission-profile/users", USERS_SCOPE, self.permission_profile_users),
            ("GET", "/v2/crm/integrations", CRM_INTEGRATIONS_SCOPE, self.crm_integrations),
            ("GET", "/v2/crm/entity-schema", CRM_SCHEMA_SCOPE, self.crm_entity_schema),
            ("POST", "/v2/calls/users-access", CALL_ACCESS_SCOPE, self.call_users_access),
            ("GET", "/v2/settings/briefs", BRIEFS_SCOPE, self.briefs),
            ("POST", "/v2/tasks", TASKS_SCOPE, self.tasks),
        ]

    def logs(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/logs`` (paged; 404 "No logs found for the specified period" when empty)."""
        q = ctx.query
        log_type = _required(q, "logType")
        from_dt = _required(q, "fromDateTime")
        to_dt = q.get("toDateTime") or None
        return self.api._paged(
            ctx,
            "logEntries",
            lambda as_of: self.company.audit_logs(log_type, from_dt, to_dt, as_of=as_of),
            messages.NO_LOGS_FOUND,
        )

    def coaching(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/coaching`` (not paged)."""
        q = ctx.query
        workspace = _numeric(q, "workspace-id")
        manager = _numeric(q, "manager-id")
        data = self.company.coaching(
            workspace, manager, _required(q, "from"), _required(q, "to"), as_of=ctx.now
        )
        return {"coachingData": data}

    def flows(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/flows`` (paged; an empty list is a 200, as recorded)."""
        q = ctx.query
        owner = _required(q, "flowOwnerEmail")
        recent = query_bool(q, "mostRecentlyAssigned") or False
        return self.api._paged(
            ctx,
            "flows",
            lambda as_of: self.company.flows(
                owner,
                workspace_id=q.get("workspaceId") or None,
                folder_id=q.get("folderId") or None,
                most_recently_assigned=recent,
                as_of=as_of,
            ),
            None,
        )

    def flow_folders(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/flows/folders`` (paged; key ``flowsFolders`` as recorded, not ``flows``)."""
        q = ctx.query
        owner = _required(q, "flowFolderOwnerEmail")
        parent = _numeric(q, "parentId") if q.get("parentId") else None
        return self.api._paged(
            ctx,
            "flowsFolders",
            lambda _: self.company.flow_folders(
                owner, parent_id=parent, workspace_id=q.get("workspaceId") or None
            ),
            None,
        )

    def flow_steps(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/flows/steps`` (at most 20 flow ids; not paged)."""
        flow_ids = _str_list(ctx.body, "flowIds", "body") or []
        return {"flows": self.company.flow_steps(flow_ids, as_of=ctx.now)}

    def permission_profiles(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/all-permission-profiles`` (not paged)."""
        workspace = _required(ctx.query, "workspaceId")
        return {"profiles": self.company.permission_profiles(workspace)}

    def permission_profile_users(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/permission-profile/users`` (not paged)."""
        profile = _required(ctx.query, "profileId")
        return {"users": self.company.permission_profile_users(profile)}

    def crm_integrations(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/crm/integrations``."""
        return {"integrations": self.company.crm_integrations()}

    def crm_entity_schema(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/crm/entity-schema`` (one object type, or all when it is left out)."""
        integration = _numeric(ctx.query, "integrationId")
        object_type = ctx.query.get("objectType") or None
        return {
            "objectTypeToSelectedFields": self.company.crm_entity_schema(integration, object_type)
        }

    def call_users_access(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/calls/users-access`` (not paged)."""
        call_ids = _str_list(filter_of(ctx.body), "callIds", "filter") or []
        return {"callAccessList": self.company.call_users_access(call_ids, as_of=ctx.now)}

    def briefs(self, ctx: Context) -> dict[str, Any]:
        """``GET /v2/settings/briefs`` (not paged)."""
        return {"briefs": self.company.briefs(ctx.query.get("workspaceId") or None)}

    def tasks(self, ctx: Context) -> dict[str, Any]:
        """``POST /v2/tasks`` (not paged)."""
        f = filter_of(ctx.body)
        user = opt_str(f, "userId")
        if not user:
            raise BadRequestError(messages.MISSING_FIELD.format(field="filter.userId"))
        tasks = self.company.tasks(
            user,
            statuses=_enum_list(f, "status", ("OPEN", "DONE", "DISMISSED")),
            types=_enum_list(f, "types", ("FLOW", "MANUAL")),
            actions=_enum_list(f, "taskAction", ("CALL",)),
            workspace_id=opt_str(f, "workspaceId"),
            as_of=ctx.now,
        )
        return {"tasks": tasks, "crmType": "SALESFORCE"}
