"""Who may see what: permission profiles per workspace, their users, individual call access.

Every user has one profile in their home workspace, chosen by role, and the first user
(the executive who set the tenant up) is a Business Admin in every workspace; one profile
per workspace has no users, as happens in real tenants. The JSON keys and their order
follow the recording ``all-permission-profiles``. Individual call access (what
``POST /v2/calls/users-access`` lists) is granted to a few colleagues on a few calls,
derived from (seed, call index) so it needs no storage.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Roster

ACCESS_RATE = 0.07  # share of calls with individual access granted to someone
_LEVEL_KEYS = (
    "callsAccess",
    "dealsAccess",
    "coachingAccess",
    "insightsAccess",
    "usageAccess",
    "emailsAccess",
)
# (recording) the boolean capabilities, in the recorded order
CAPABILITIES = (
    "scoreCalls",
    "overrideScore",
    "downloadCallMedia",
    "shareCallsWithCustomers",
    "manuallyScheduleAndUploadCalls",
    "privateCalls",
    "deleteCalls",
    "trimCalls",
    "listenInCalls",
    "deleteEmails",
    "callsAndSearch",
    "library",
    "deals",
    "createEditAndDeleteDealsBoards",
    "dealsInlineEditing",
    "account",
    "coaching",
    "usage",
    "teamStats",
    "initiatives",
    "market",
    "activity",
    "forecast",
    "forecastManage",
    "engageManageCompanyTemplates",
    "engageManageCompanySequences",
    "engageCreateAndManageRulesets",
    "engageSnoozeFlowToDosForOthers",
    "engageAllowCrmFieldsViewChange",
    "viewEngageAnalyticsActivity",
    "viewEngageAnalyticsPerformance",
    "viewEngageAnalyticsFlows",
    "manageGeneralBusinessSettings",
    "manageScorecards",
    "exportCallsAndCoachingDataToCSV",
    "crmDataInlineEditing",
    "crmDataImport",
    "viewRevenueAnalytics",
    "manageRevenueAnalytics",
    "engageReassignFlowToDosToOthers",
    "engageAssignFlowToDosToOthers",
    "dealsDataExport",
    "aiBuilder",
    "orchestrateCreateAndManagePlays",
)
# name, description, data level, share of capabilities granted, the roles it is for
PROFILES: tuple[tuple[str, str, str, float, tuple[str, ...]], ...] = (
    (
        "Business Admin",
        "Business Admins can access all company pages and data, use forecasting "
        "capabilities, and configure business settings such as trackers and scorecards.",
        "all",
        0.9,
        ("exec",),
    ),
    (
        "Customer Success",
        "Customer success managers see their own accounts and their team's calls.",
        "managers-team",
        0.4,
        ("csm",),
    ),
    (
        "Manager",
        "Managers see their teams' calls, deals and coaching.",
        "report-to-them",
        0.6,
        ("manager", "cs_manager"),
    ),
    ("Read only", "Can view calls shared with them, nothing else.", "none", 0.05, ()),
    (
        "Sales Rep",
        "Reps see their own calls and deals and use Engage.",
        "own",
        0.3,
        ("ae", "sdr", "se"),
    ),
)


@dataclass(frozen=True)
class Profile:
    """A permission profile of one workspace."""

    index: int
    id: str
    name: str
    description: str
    workspace: int
    level: str
    capabilities: tuple[bool | None, ...]
    users: tuple[int, ...]


class Permissions:
    """Profiles per workspace (alphabetical, as the spec promises) and call access grants."""

    def __init__(self, seed: int, roster: Roster, n_workspaces: int, ids: IdCodec) -> None:
        rng = random.Random(f"{seed}:permissions")
        self.seed = seed
        self.roster = roster
        self.profiles: list[Profile] = []
        for ws in range(n_workspaces):
            for name, description, level, share, roles in PROFILES:
                members = tuple(
                    p.index
                    for p in roster.people
                    if (p.index == 0 and "exec" in roles)
                    or (p.index != 0 and p.workspace == ws and p.role in roles)
                )
                caps = tuple(rng.random() < share for _ in CAPABILITIES[:-1])
                index = len(self.profiles)
                self.profiles.append(
                    Profile(
                        index,
                        ids.encode("permission-profile", index),
                        name,
                        description,
                        ws,
                        level,
                        (*caps, None),
                        members,
                    )
                )
        self.by_id = {p.id: p for p in self.profiles}
        # colleagues who may be granted access to another's call: managers and SEs
        self._grantees = [
            p.index
            for p in roster.people
            if p.active and p.role in ("manager", "cs_manager", "se", "exec")
        ] or [0]

    def in_workspace(self, ws: int) -> list[Profile]:
        """The workspace's profiles by name."""
        return sorted((p for p in self.profiles if p.workspace == ws), key=lambda p: p.name)

    def profile_json(self, p: Profile) -> dict[str, Any]:
        """A ``PermissionProfileDTO`` as recorded (``teamLeadIds``/``libraryFolderIds`` null)."""
        level = {"permissionLevel": p.level, "teamLeadIds": None}
        full = p.level == "all"
        out: dict[str, Any] = {
            "id": p.id,
            "name": p.name,
            "description": p.description,
            "callsAccess": dict(level),
        }
        out["libraryFolderAccess"] = {
            "permissionLevel": "all" if full else "none",
            "libraryFolderIds": None,
            "managePublicFolder": full,
            "manageStreams": full,
            "manageFolderCalls": full,
            "shareFoldersAndStreams": full,
        }
        out["dealsAccess"] = dict(level)
        out["forecastPermissions"] = {
            "forecastAccess": dict(level),
            "forecastEditSubmissions": dict(level),
            "forecastEditTargets": {
                "permissionLevel": "all" if full else "none",
                "teamLeadIds": None,
            },
        }
        for key in _LEVEL_KEYS[2:]:
            out[key] = dict(level)
        out.update(zip(CAPABILITIES, p.capabilities, strict=True))
        return out

    def users_json(self, p: Profile) -> list[dict[str, Any]]:
        """``UserSimpleMetadata`` of the profile's users, in user order."""
        people = self.roster.people
        return [
            {"id": people[i].id, "fullName": people[i].name, "emailAddress": people[i].email}
            for i in p.users
        ]

    def call_access(self, call: int, host: int) -> list[int]:
        """Users given individual access to call ``call`` (hosted by ``host``), by index."""
        rng = random.Random(f"{self.seed}:access:{call}")
        if rng.random() >= ACCESS_RATE:
            return []
        pool = [i for i in self._grantees if i != host]
        if not pool:
            return []
        return sorted(rng.sample(pool, min(len(pool), rng.randint(1, 3))))
