"""The company's people: users with managers, teams, roles, workspaces and settings.

Small (hundreds of users at most), so it is built eagerly and kept whole. Calls are hosted
and attended by these people, comments and scorecards written by them, so the roster is
the backbone every other generator hangs off.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dlt_gong.sandbox import vocabulary as vocab
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.timeutil import iso

# How often each role hosts calls, relative to the others.
HOST_WEIGHTS = {
    "ae": 5.0,
    "sdr": 6.0,
    "csm": 4.0,
    "se": 1.0,
    "manager": 1.0,
    "cs_manager": 1.0,
    "exec": 0.3,
}

USER_SETTINGS = (
    "webConferencesRecorded",
    "preventWebConferenceRecording",
    "telephonyCallsImported",
    "emailsImported",
    "preventEmailImport",
    "nonRecordedMeetingsImported",
    "gongConnectEnabled",
)
# settings-history names (Gong's enum), and the user setting each one mirrors (if any)
HISTORY_SETTINGS: tuple[tuple[str, str | None], ...] = (
    ("webConferencesRecorded", "webConferencesRecorded"),
    ("preventWebConferenceRecording", "preventWebConferenceRecording"),
    ("emailsImported", "emailsImported"),
    ("preventEmailImport", "preventEmailImport"),
    ("active", None),
    ("nonRecordedMeetingsImported", "nonRecordedMeetingsImported"),
    ("gongConnectEnabled", "gongConnectEnabled"),
    ("callsImported", "telephonyCallsImported"),
    ("interviewsRecorded", None),
    ("preventInterviewRecording", None),
)


@dataclass
class Person:
    """One Gong user (or avatar) and everything the generators need to know about them."""

    index: int
    id: str
    first_name: str
    last_name: str
    email: str
    title: str | None
    role: str
    workspace: int
    manager: int | None
    active: bool
    created: float  # epoch seconds, millisecond precision
    is_avatar: bool = False
    phone: str | None = None
    settings: dict[str, bool] = field(default_factory=dict)
    consent_url: str | None = None
    conferencing: list[dict[str, Any]] | None = None
    languages: list[dict[str, Any]] = field(default_factory=list)
    meeting_urls: list[str] = field(default_factory=list)
    deactivated: float | None = None  # when ``active`` turned false

    @property
    def name(self) -> str:
        """Display name, as in call parties."""
        return f"{self.first_name} {self.last_name}"


def slug(text: str) -> str:
    """Lower-case dashes: "Northwind Analytics" -> "northwind-analytics"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class Roster:
    """All users, by index (= creation order, = the order ``GET /v2/users`` lists them)."""

    def __init__(self, seed: int, n_users: int, n_workspaces: int, history_start: float,
                 ids: IdCodec) -> None:  # fmt: skip
        rng = random.Random(f"{seed}:roster")
        self.company_name = vocab.COMPANY_NAMES[seed % len(vocab.COMPANY_NAMES)]
        self.company_slug = slug(self.company_name)
        self.domain = f"{self.company_slug}.com"
        self.tenant = f"us-{10000 + (seed * 7919) % 90000}"
        self.people: list[Person] = []
        n_managers = 0 if n_users < 3 else max(1, round((n_users - 1) / 8))
        seen_emails: set[str] = set()
        for index in range(n_users):
            if index == 0:
                role, manager, workspace = "exec", None, 0
            elif index <= n_managers:
                workspace = (index - 1) % n_workspaces
                role = "cs_manager" if workspace == 1 else "manager"
                manager = 0
            else:
                manager = 1 + (index - n_managers - 1) % n_managers if n_managers else 0
                workspace = self.people[manager].workspace
                if workspace == 1:
                    role = "csm"
                else:
                    role = rng.choices(("ae", "sdr", "se"), (55, 30, 15))[0]
            self.people.append(
                self._person(rng, ids, index, role, workspace, manager, history_start, seen_emails)
            )
        avatar = self._person(rng, ids, n_users, "avatar", 0, None, history_start, seen_emails)
        avatar.first_name, avatar.last_name, avatar.title = "Gong", "Assistant", None
        avatar.email = f"assistant+{self.company_slug}@gong.io"
        avatar.is_avatar = True
        self.avatar = avatar
        self.by_id = {p.id: p for p in (*self.people, avatar)}
        self.teams: dict[int, list[int]] = {}
        for p in self.people:
            if p.manager is not None and p.active:
                self.teams.setdefault(p.manager, []).append(p.index)

    def _person(self, rng: random.Random, ids: IdCodec, index: int, role: str, workspace: int,
                manager: int | None, history_start: float,
                seen_emails: set[str]) -> Person:  # fmt: skip
        first = rng.choice(vocab.FIRST_NAMES)
        last = rng.choice(vocab.LAST_NAMES)
        local = f"{first}.{last}".lower()
        email = f"{local}@{self.domain}"
        n = 2
        while email in seen_emails:
            email = f"{local}{n}@{self.domain}"
            n += 1
        seen_emails.add(email)
        # created 1-30 months before the call history starts, to the millisecond
        created = history_start - rng.uniform(30, 900) * 86400.0
        created = round(created * 1000) / 1000
        active = role in ("exec", "manager", "cs_manager") or rng.random() < 0.94
        titles = vocab.ROLE_TITLES.get(role, (None,))
        settings = {
            "webConferencesRecorded": rng.random() < 0.9,
            "preventWebConferenceRecording": rng.random() < 0.03,
            "telephonyCallsImported": role in ("ae", "sdr") and rng.random() < 0.8,
            "emailsImported": rng.random() < 0.5,
            "preventEmailImport": rng.random() < 0.05,
            "nonRecordedMeetingsImported": rng.random() < 0.6,
            "gongConnectEnabled": rng.random() < 0.5,
        }
        user_slug = local.replace(".", "-")
        person = Person(
            index=index,
            id=ids.encode("user", index),
            first_name=first,
            last_name=last,
            email=email,
            title=rng.choice(titles),
            role=role,
            workspace=workspace,
            manager=manager,
            active=active,
            created=created,
            phone=f"+1 415-555-{rng.randrange(100, 10000):04d}" if rng.random() < 0.6 else None,
            settings=settings,
            consent_url=(
                f"https://{self.tenant}.join.gong.io/{self.company_slug}/{user_slug}"
                if rng.random() < 0.5
                else None
            ),
            conferencing=(
                [{"provider": rng.choice(("zoom", "google_meet", "ms_teams")), "isDefault": True}]
                if rng.random() < 0.6
                else None
            ),
            languages=[{"language": "en-US", "primary": True}] if rng.random() < 0.7 else [],
            meeting_urls=(
                [f"https://zoom.us/j/{rng.randrange(10**9, 10**10)}"] if rng.random() < 0.3 else []
            ),
        )
        if not active:
            person.deactivated = history_start - rng.uniform(1, 25) * 86400.0
        return person

    def __len__(self) -> int:
        return len(self.people)

    def host_pool(self) -> tuple[list[int], list[float]]:
        """Active users who host calls, with their relative weights."""
        hosts = [p.index for p in self.people if p.active and p.role in HOST_WEIGHTS]
        return hosts, [HOST_WEIGHTS[self.people[i].role] for i in hosts]

    def colleagues(self, index: int) -> list[int]:
        """Who may join, comment on or review a user's calls: team, manager, same-workspace SEs."""
        person = self.people[index]
        pool: list[int] = []
        if person.manager is not None:
            pool.extend(i for i in self.teams.get(person.manager, ()) if i != index)
            pool.append(person.manager)
        pool.extend(i for i in self.teams.get(index, ()))
        pool.extend(
            p.index
            for p in self.people
            if p.role == "se" and p.active and p.workspace == person.workspace and p.index != index
        )
        return sorted(set(pool)) or ([0] if index != 0 else [])

    def reviewer(self, index: int) -> int | None:
        """Who reviews (scorecards, feedback) a user's calls: their manager."""
        return self.people[index].manager

    # -- JSON ---------------------------------------------------------------------------

    def user_json(self, person: Person, tz: ZoneInfo) -> dict[str, Any]:
        """A ``UserMetadata`` object, with Gong's nulls and empty lists."""
        manager = self.people[person.manager].id if person.manager is not None else None
        return {
            "id": person.id,
            "emailAddress": person.email,
            "created": iso(person.created, tz, "milliseconds"),
            "active": person.active,
            "emailAliases": [],
            "trustedEmailAddress": None,
            "firstName": person.first_name,
            "lastName": person.last_name,
            "title": person.title,
            "phoneNumber": person.phone,
            "extension": None,
            "personalMeetingUrls": list(person.meeting_urls),
            "settings": dict(person.settings),
            "managerId": manager,
            "meetingConsentPageUrl": person.consent_url,
            "conferencingProviders": (
                [dict(c) for c in person.conferencing] if person.conferencing is not None else None
            ),
            "spokenLanguages": [dict(lang) for lang in person.languages],
        }

    def settings_history(self, person: Person, tz: ZoneInfo) -> list[dict[str, Any]]:
        """Every setting's initial value at creation, then the changes that led to today's.

        The last entry per setting equals the user's current ``settings`` (and ``active``).
        """
        rng = random.Random(f"history:{person.id}")
        created = iso(person.created, tz, "milliseconds")
        out: list[tuple[float, dict[str, Any]]] = []
        for order, (name, mirrored) in enumerate(HISTORY_SETTINGS):
            initial = name == "active"
            out.append((person.created + order * 1e-6, {"setting": name, "value": initial,
                                                       "time": created}))  # fmt: skip
            current = person.settings.get(mirrored, False) if mirrored else initial
            if name == "active":
                current = person.active
            if current != initial:
                when = person.deactivated if name == "active" and person.deactivated else (
                    person.created + rng.uniform(1, 20) * 86400.0
                )  # fmt: skip
                when = round(when * 1000) / 1000
                out.append((when, {"setting": name, "value": current,
                                   "time": iso(when, tz, "milliseconds")}))  # fmt: skip
        out.sort(key=lambda item: item[0])
        return [entry for _, entry in out]
