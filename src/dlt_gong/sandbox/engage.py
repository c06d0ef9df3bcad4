"""Gong Engage: flow folders, flows and their steps, and the tasks flows and reps create.

Flows have a visibility (spec ``PublicApiFlow.visibility``): *Company* flows are visible to
everyone, so ``GET /v2/flows`` lists them for every owner email (a client asking per user
sees each one once per user and must deduplicate); *Personal* flows only to their owner;
*Shared* flows to their owner and the reps they were shared with. Flows are created over
the whole history and a little into the future, so new ones appear as the sandbox clock
moves. Folders follow the recording ``list-flow-folders`` (key ``flowsFolders``; a root's
``parentFolderId`` and a system folder's ``createdById`` are the *string* ``"null"``; the
system folder "Shared With You" has the short id ``"100"``).

Built on first use, from the seed, the roster and the account book only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dlt_gong.sandbox.accounts import AccountBook
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Roster
from dlt_gong.sandbox.timeutil import iso

SHARED_WITH_YOU_ID = "100"  # recording list-flow-folders
NULL_TEXT = "null"  # recording list-flow-folders: absent ids are the string "null"
_DAY = 86400.0
STEP_ACTIONS = (
    "SEND_EMAIL",
    "AUTO_SEND_EMAIL",
    "CALL",
    "LINKEDIN_CONNECT",
    "LINKEDIN_MESSAGE",
    "CUSTOM",
)
_EMAIL_ACTIONS = ("SEND_EMAIL", "AUTO_SEND_EMAIL")
_COMPANY_FOLDERS = ("Outbound", "Inbound follow-up", "Events", "Customer success")
_FLOW_NAMES = (
    "Cold outbound - {topic}",
    "Inbound demo request",
    "Webinar follow-up",
    "Re-engage closed lost",
    "Trial nurture",
    "Renewal reminder",
    "Post-demo follow-up",
    "Executive outreach - {topic}",
    "Event invite",
    "Champion change",
    "Onboarding kickoff",
    "Expansion play - {topic}",
)
_TOPICS = ("forecasting", "coaching", "pipeline", "revenue intelligence", "enablement")
_SUBJECTS = (
    "Quick question about {account}",
    "Following up on our conversation",
    "Ideas for {account}",
    "Re: next steps",
    "Worth a chat?",
    "Closing the loop",
)
_BODIES = (
    "Hi {{{{first_name}}}}, I noticed {account} is growing its sales team. Teams like yours use us "
    "to see what happens in every deal. Open to a 20 minute call next week?",
    "Hi {{{{first_name}}}}, following up on my note below. Happy to share how others ramp new reps "
    "faster. Would Tuesday or Thursday work?",
    "Hi {{{{first_name}}}}, one last try: if forecasting is not a priority right now, just let me "
    "know and I will close the loop.",
)
_TASK_TITLES = (
    "Call back about pricing",
    "Check in after the demo",
    "Confirm the pilot scope",
    "Call the new champion",
    "Follow up on the security review",
)
PRIORITIES = ((1, "high", 100), (2, "medium", 50), (3, "low", 10))


@dataclass(frozen=True)
class FlowFolder:
    """A folder of flows; ``owner`` is the user index of a personal folder's owner."""

    index: int
    id: str
    name: str
    workspace: int
    parent: str | None
    created_by: str | None
    visibility: str
    owner: int | None


@dataclass(frozen=True)
class Flow:
    """A flow: its folder, who owns and sees it, when it was created."""

    index: int
    id: str
    name: str
    folder: FlowFolder
    workspace: int
    visibility: str
    owner: int | None  # user index; None for company flows
    shared_with: tuple[int, ...]
    created: float
    exclusive: bool
    description: str | None
    steps: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Task:
    """An Engage task of one user (always a CALL, the only action Gong lists)."""

    index: int
    id: int
    user: int
    workspace: int
    type: str  # FLOW or MANUAL
    created: float
    due: float
    closed: float | None  # when it was done or dismissed
    closed_status: str  # DONE or DISMISSED, once closed
    flow: Flow | None
    step: dict[str, Any] | None
    account: int
    contact: int
    title: str | None
    priority: tuple[int, str, int]

    def status(self, moment: float) -> str:
        """OPEN until it is closed."""
        return self.closed_status if self.closed is not None and self.closed <= moment else "OPEN"


class Engage:
    """Every flow folder, flow, step and task of a company."""

    def __init__(
        self,
        seed: int,
        roster: Roster,
        accounts: AccountBook,
        n_workspaces: int,
        history_start: float,
        future_end: float,
        ids: IdCodec,
    ) -> None:
        rng = random.Random(f"{seed}:engage")
        self.roster = roster
        self.accounts = accounts
        people = roster.people
        admin = people[0]
        self.folders: list[FlowFolder] = []

        def folder(
            name: str,
            ws: int,
            parent: str | None,
            by: str | None,
            visibility: str,
            owner: int | None,
            fid: str | None = None,
        ) -> FlowFolder:
            f = FlowFolder(
                len(self.folders),
                fid or ids.encode("flow-folder", len(self.folders)),
                name,
                ws,
                parent,
                by,
                visibility,
                owner,
            )
            self.folders.append(f)
            return f

        self.shared_root = folder(
            "Shared With You", 0, None, None, "Shared", None, SHARED_WITH_YOU_ID
        )
        company: list[FlowFolder] = []
        for ws in range(n_workspaces):
            root = folder(
                "Company Flows" if ws == 0 else f"Company Flows ({ws + 1})",
                ws,
                None,
                admin.id,
                "Company",
                None,
            )
            company.append(root)
            for name in _COMPANY_FOLDERS[: 2 + ws % 3]:
                company.append(folder(name, ws, root.id, admin.id, "Company", None))
        sellers = [p for p in people if p.role in ("ae", "sdr", "csm", "manager", "cs_manager")]
        personal: dict[int, FlowFolder] = {}
        for p in sellers:
            personal[p.index] = folder("My Flows", p.workspace, None, p.id, "Personal", p.index)

        self.flows: list[Flow] = []
        span = max(_DAY, future_end - history_start)

        def created_at(not_before: float) -> float:
            # most flows predate the call history; some are created during it or later
            if rng.random() < 0.6:
                when = history_start - rng.uniform(1, 300) * _DAY
            else:
                when = history_start + rng.uniform(0, span)
            return round(max(when, not_before + _DAY) * 1000) / 1000

        def flow(
            name: str,
            fold: FlowFolder,
            visibility: str,
            owner: int | None,
            shared: tuple[int, ...],
            not_before: float,
        ) -> None:
            index = len(self.flows)
            steps = _steps(rng, ids, index, accounts.get(index % max(1, accounts.count)).name)
            self.flows.append(
                Flow(
                    index=index,
                    id=ids.encode("flow", index),
                    name=name,
                    folder=fold,
                    workspace=fold.workspace,
                    visibility=visibility,
                    owner=owner,
                    shared_with=shared,
                    created=created_at(not_before),
                    exclusive=rng.random() < 0.3,
                    description=rng.choice((None, f"{name}: {len(steps)} touches over two weeks")),
                    steps=steps,
                )
            )

        for fold in company:
            if fold.parent is None:
                continue
            for _ in range(rng.randint(2, 4)):
                name = rng.choice(_FLOW_NAMES).format(topic=rng.choice(_TOPICS))
                flow(name, fold, "Company", None, (), admin.created)
        for p in sellers:
            for _ in range(rng.choices((0, 1, 2, 3), (25, 35, 25, 15))[0]):
                name = rng.choice(_FLOW_NAMES).format(topic=rng.choice(_TOPICS))
                team = [i for i in roster.colleagues(p.index) if i in personal and i != p.index]
                if team and rng.random() < 0.3:
                    shared = tuple(sorted(rng.sample(team, min(len(team), rng.randint(1, 3)))))
                    flow(name, personal[p.index], "Shared", p.index, shared, p.created)
                else:
                    flow(name, personal[p.index], "Personal", p.index, (), p.created)
        self.flow_by_id = {f.id: f for f in self.flows}
        self.folder_by_id = {f.id: f for f in self.folders}
        self.tasks_of: dict[int, list[Task]] = {}
        self.tasks = self._tasks(
            random.Random(f"{seed}:tasks"), ids, sellers, history_start, future_end
        )
        for task in self.tasks:
            self.tasks_of.setdefault(task.user, []).append(task)

    # -- visibility ----------------------------------------------------------------------

    def flows_for(self, user: int, moment: float) -> list[Flow]:
        """Flows ``user`` sees at ``moment``: company ones, their own, those shared with them."""
        return [
            f
            for f in self.flows
            if f.created <= moment
            and (f.visibility == "Company" or f.owner == user or user in f.shared_with)
        ]

    def folders_for(self, user: int) -> list[FlowFolder]:
        """Folders ``user`` sees: system and company ones, and their own."""
        return [f for f in self.folders if f.owner is None or f.owner == user]

    def _tasks(
        self,
        rng: random.Random,
        ids: IdCodec,
        sellers: list[Any],
        history_start: float,
        future_end: float,
    ) -> list[Task]:
        tasks: list[Task] = []
        n_accounts = max(1, self.accounts.count)
        begin = history_start
        for p in sellers:
            if not p.active:
                continue
            mine = [f for f in self.flows if f.owner == p.index or f.visibility == "Company"]
            mine = [f for f in mine if f.workspace == p.workspace] or mine
            t = begin + rng.uniform(0, 2) * _DAY
            while t < future_end:
                flow = rng.choice(mine) if mine and rng.random() < 0.7 else None
                calls = [s for s in flow.steps if s["action"] == "CALL"] if flow else []
                step = rng.choice(calls) if calls else None
                if flow is not None and (step is None or flow.created > t):
                    flow = step = None
                due = t + rng.uniform(0.2, 5) * _DAY
                closed = t + rng.expovariate(1 / (3 * _DAY)) if rng.random() < 0.75 else None
                account = rng.randrange(n_accounts)
                tasks.append(
                    Task(
                        index=len(tasks),
                        id=int(ids.encode("task", len(tasks))),
                        user=p.index,
                        workspace=p.workspace,
                        type="FLOW" if flow else "MANUAL",
                        created=round(t * 1000) / 1000,
                        due=round(due),
                        closed=round(closed * 1000) / 1000 if closed else None,
                        closed_status="DONE" if rng.random() < 0.85 else "DISMISSED",
                        flow=flow,
                        step=step,
                        account=account,
                        contact=rng.randrange(2),
                        title=None if flow else rng.choice(_TASK_TITLES),
                        priority=rng.choice(PRIORITIES),
                    )
                )
                t += rng.expovariate(1 / (4 * _DAY))
        return tasks

    # -- JSON ------------------------------------------------------------------------------

    def folder_json(self, f: FlowFolder) -> dict[str, Any]:
        """A flow folder as recorded (``flowsFolders`` item)."""
        return {
            "id": f.id,
            "name": f.name,
            "parentFolderId": f.parent or NULL_TEXT,
            "createdById": f.created_by or NULL_TEXT,
            "visibility": f.visibility,
        }

    def flow_json(self, f: Flow, tz: ZoneInfo) -> dict[str, Any]:
        """A ``PublicApiFlow``."""
        return {
            "id": f.id,
            "name": f.name,
            "folderId": f.folder.id,
            "folderName": f.folder.name,
            "visibility": f.visibility,
            "creationDate": iso(f.created, tz),
            "exclusive": f.exclusive,
        }

    def flow_steps_json(self, f: Flow, tz: ZoneInfo) -> dict[str, Any]:
        """A ``PublicApiFlowWithSteps``."""
        return {
            "id": f.id,
            "name": f.name,
            "folderId": f.folder.id,
            "visibility": f.visibility,
            "creationDate": iso(f.created, tz),
            "exclusive": f.exclusive,
            "description": f.description,
            "steps": [dict(s) for s in f.steps],
        }

    def task_json(self, t: Task, moment: float, tz: ZoneInfo) -> dict[str, Any]:
        """A ``ReminderDataDto``; optional objects the task lacks are left out."""
        account = self.accounts.get(t.account)
        contact = account.contacts[t.contact % len(account.contacts)]
        status = t.status(moment)
        out: dict[str, Any] = {
            "id": t.id,
            "userId": int(self.roster.people[t.user].id),
            "created": iso(t.created, tz, "milliseconds"),
            "updated": iso(
                t.closed if status != "OPEN" and t.closed else t.created, tz, "milliseconds"
            ),
            "status": status,
            "type": t.type,
            "actions": ["CALL"],
            "account": {
                "crmId": account.crm_account_id,
                "name": account.name,
                "crmUrl": f"https://example.my.salesforce.com/{account.crm_account_id}",
            },
            "dueDate": iso(t.due, tz),
            "contact": {
                "crmId": contact.crm_id,
                "type": contact.crm_object.upper(),
                "data": {
                    "firstName": contact.first_name,
                    "lastName": contact.last_name,
                    "crmUrl": f"https://example.my.salesforce.com/{contact.crm_id}",
                    "companyName": account.name,
                    "affiliation": "Them",
                    "emails": [{"email": contact.email}],
                    "title": contact.title,
                    "phoneNumbers": [{"raw": contact.phone, "label": "work", "isVerified": False}]
                    if contact.phone
                    else [],
                },
            },
            "additionalContacts": [],
            "priority": {"id": t.priority[0], "name": t.priority[1], "weight": t.priority[2]},
        }
        if t.type == "MANUAL":
            out["title"] = t.title
        if t.flow is not None and t.step is not None:
            out["flow"] = {
                "id": int(t.flow.id),
                "name": t.flow.name,
                "step": {
                    "id": int(t.step["id"]),
                    "name": "Make a call",
                    "stepNumber": t.step["stepOrder"],
                },
            }
        if t.account % 3 == 0:
            out["opportunity"] = {
                "crmId": account.crm_opportunity_id,
                "name": account.opportunity_name,
                "crmUrl": f"https://example.my.salesforce.com/{account.crm_opportunity_id}",
                "status": "Open",
                "stage": account.stage,
                "amount": str(account.amount),
                "probability": str(account.probability),
                "closeDate": account.close_date,
            }
        return out


def _steps(rng: random.Random, ids: IdCodec, flow: int, account: str) -> tuple[dict[str, Any], ...]:
    """3-8 steps, 1-based, emails first and then a mix, later emails replies in the thread."""
    out: list[dict[str, Any]] = []
    emails = 0
    for order in range(1, rng.randint(3, 8) + 1):
        action = (
            "AUTO_SEND_EMAIL"
            if order == 1
            else rng.choices(STEP_ACTIONS, (25, 20, 30, 10, 10, 5))[0]
        )
        is_email = action in _EMAIL_ACTIONS
        out.append(
            {
                "id": ids.encode("flow-step", flow * 16 + order),
                "stepOrder": order,
                "action": action,
                "subject": rng.choice(_SUBJECTS).format(account=account) if is_email else None,
                "body": rng.choice(_BODIES).format(account=account)
                if is_email
                else (
                    "Call and leave a voicemail if no answer."
                    if action == "CALL"
                    else "Connect and mention the last email."
                ),
                "isReply": is_email and emails > 0 and rng.random() < 0.7,
            }
        )
        emails += is_email
    return tuple(out)
