"""Gong's read endpoints, described once, as data.

Everything the HTTP machine (`client.py`) needs to know about an endpoint lives in its
row here: verb, path, where the cursor goes, which key holds the items, which OAuth scope
it needs, and which 404 messages mean "nothing found" rather than an error. Adding an
endpoint is a row here, a table in `tables.py` and a test, not a new code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NO_CALLS = "No calls found corresponding to the provided filters"
NO_USERS = "No users found corresponding to the provided filters"


@dataclass(frozen=True)
class Endpoint:
    """One Gong API v2 operation."""

    method: Literal["GET", "POST"]
    path: str
    """Path under the base URL; may hold ``{id}``-style placeholders."""
    scope: str
    """The OAuth scope Gong demands; named in the error when it is missing."""
    data_key: str | None
    """Top-level key of the item list; None when the whole body is the item."""
    paged: bool = False
    """Whether Gong pages it (100 per page, ``records.cursor``). GET takes the cursor in
    the query string, POST as a top-level body field beside ``filter``."""
    empty_404: tuple[str, ...] = ()
    """404 messages that mean an empty result. Any other 404 is an error: a key without
    visibility and a wrong id must not pass for an empty company."""

    @property
    def name(self) -> str:
        """Gong's name for the operation, as in its docs: ``POST /v2/calls/extensive``."""
        return f"{self.method} {self.path}"


USERS = Endpoint("GET", "/v2/users", "api:users:read", "users", paged=True, empty_404=(NO_USERS,))
USER_SETTINGS_HISTORY = Endpoint(
    "GET", "/v2/users/{id}/settings-history", "api:users:read", "userSettingsHistory"
)
CALLS = Endpoint(
    "GET", "/v2/calls", "api:calls:read:basic", "calls", paged=True, empty_404=(NO_CALLS,)
)
CALLS_EXTENSIVE = Endpoint(
    "POST",
    "/v2/calls/extensive",
    "api:calls:read:extensive",
    "calls",
    paged=True,
    empty_404=(NO_CALLS,),
)
CALL_TRANSCRIPTS = Endpoint(
    "POST",
    "/v2/calls/transcript",
    "api:calls:read:transcript",
    "callTranscripts",
    paged=True,
    empty_404=(NO_CALLS,),
)
ACTIVITY_AGGREGATE = Endpoint(
    "POST",
    "/v2/stats/activity/aggregate",
    "api:stats:user-actions",
    "usersAggregateActivityStats",
    paged=True,
    empty_404=(NO_USERS,),
)
ACTIVITY_AGGREGATE_BY_PERIOD = Endpoint(
    "POST",
    "/v2/stats/activity/aggregate-by-period",
    "api:stats:user-actions",
    "usersAggregateActivity",
    paged=True,
    empty_404=(NO_USERS,),
)
ACTIVITY_DAY_BY_DAY = Endpoint(
    "POST",
    "/v2/stats/activity/day-by-day",
    "api:stats:user-actions:detailed",
    "usersDetailedActivities",
    paged=True,
    empty_404=(NO_USERS,),
)
INTERACTION_STATS = Endpoint(
    "POST",
    "/v2/stats/interaction",
    "api:stats:interaction",
    "peopleInteractionStats",
    paged=True,
    empty_404=("No stats found for the specified period", NO_USERS),
)
ANSWERED_SCORECARDS = Endpoint(
    "POST",
    "/v2/stats/activity/scorecards",
    "api:stats:scorecards",
    "answeredScorecards",
    paged=True,
    empty_404=("Answered scorecards not found",),
)
SCORECARDS = Endpoint(
    "GET",
    "/v2/settings/scorecards",
    "api:settings:scorecards:read",
    "scorecards",
    empty_404=("Scorecards not found",),
)
TRACKERS = Endpoint("GET", "/v2/settings/trackers", "api:settings:trackers:read", "keywordTrackers")
WORKSPACES = Endpoint("GET", "/v2/workspaces", "api:workspaces:read", "workspaces")
LIBRARY_FOLDERS = Endpoint(
    "GET",
    "/v2/library/folders",
    "api:library:read",
    "folders",
    empty_404=("No folders found for the specified period",),
)
LIBRARY_FOLDER_CONTENT = Endpoint("GET", "/v2/library/folder-content", "api:library:read", "calls")
CALL_OUTCOMES = Endpoint("GET", "/v2/call-outcomes", "api:call-outcomes:read", "outcomes")

LOGS = Endpoint(
    "GET",
    "/v2/logs",
    "api:logs:read",
    "logEntries",
    paged=True,
    empty_404=("No logs found for the specified period",),
)
COACHING = Endpoint("GET", "/v2/coaching", "api:coaching:read", "coachingData")
FLOWS = Endpoint("GET", "/v2/flows", "api:flows:read", "flows", paged=True)
FLOW_FOLDERS = Endpoint("GET", "/v2/flows/folders", "api:flows:read", "flowsFolders", paged=True)
"""The spec says the folders come under `flows`; Gong answers `flowsFolders` (recording)."""
FLOW_STEPS = Endpoint("POST", "/v2/flows/steps", "api:flows:read", "flows")
PERMISSION_PROFILES = Endpoint(
    "GET", "/v2/all-permission-profiles", "api:permission-profile:read", "profiles"
)
"""The spec names no scope for this one; `api:permission-profile:read` is a guess."""
PERMISSION_PROFILE_USERS = Endpoint(
    "GET", "/v2/permission-profile/users", "api:users:read", "users"
)
CRM_INTEGRATIONS = Endpoint(
    "GET", "/v2/crm/integrations", "api:crm:integrations:read", "integrations"
)
CRM_ENTITY_SCHEMA = Endpoint("GET", "/v2/crm/entity-schema", "api:crm:schema", None)
"""The whole body is the item: `objectTypeToSelectedFields` maps each type to its fields."""
CALL_USERS_ACCESS = Endpoint(
    "POST", "/v2/calls/users-access", "api:call-user-access:read", "callAccessList"
)
BRIEFS = Endpoint("GET", "/v2/settings/briefs", "api:ai-briefer:read", "briefs")
TASKS = Endpoint("POST", "/v2/tasks", "api:tasks:read", "tasks")

UNSCOPED_IN_SPEC: tuple[Endpoint, ...] = (PERMISSION_PROFILES,)
"""Endpoints whose scope the spec does not name (ours is a guess; the docs say so)."""

ALL: tuple[Endpoint, ...] = (
    USERS,
    USER_SETTINGS_HISTORY,
    CALLS,
    CALLS_EXTENSIVE,
    CALL_TRANSCRIPTS,
    ACTIVITY_AGGREGATE,
    ACTIVITY_AGGREGATE_BY_PERIOD,
    ACTIVITY_DAY_BY_DAY,
    INTERACTION_STATS,
    ANSWERED_SCORECARDS,
    SCORECARDS,
    TRACKERS,
    WORKSPACES,
    LIBRARY_FOLDERS,
    LIBRARY_FOLDER_CONTENT,
    CALL_OUTCOMES,
    LOGS,
    COACHING,
    FLOWS,
    FLOW_FOLDERS,
    FLOW_STEPS,
    PERMISSION_PROFILES,
    PERMISSION_PROFILE_USERS,
    CRM_INTEGRATIONS,
    CRM_ENTITY_SCHEMA,
    CALL_USERS_ACCESS,
    BRIEFS,
    TASKS,
)
