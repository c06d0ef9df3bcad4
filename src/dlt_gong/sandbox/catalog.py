"""Company-wide settings objects: workspaces, trackers, scorecards, library folders, outcomes.

These change rarely in Gong and are small, so they are built once per sandbox. Calls refer
to them (a call's workspace, its tracker hits, its answered scorecards, the library folders
it was added to), which is why they share one id codec with the calls.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dlt_gong.sandbox import vocabulary as vocab
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Roster
from dlt_gong.sandbox.timeutil import iso


@dataclass(frozen=True)
class Workspace:
    """A Gong workspace."""

    index: int
    id: str
    name: str
    description: str | None


@dataclass(frozen=True)
class Tracker:
    """A keyword tracker of one workspace."""

    index: int
    id: str
    name: str
    workspace: int
    affiliation: str
    keywords: tuple[str, ...]
    created: float
    updated: float
    creator: str | None


@dataclass(frozen=True)
class Question:
    """A scorecard question (all RANGE 1-5, like Gong's built-in ones)."""

    id: str
    revision_id: str
    text: str
    is_overall: bool
    updater: str


@dataclass(frozen=True)
class Scorecard:
    """A scorecard of one workspace, reviewed MANUAL-ly or AUTOMATIC-ally."""

    index: int
    id: str
    name: str
    workspace: int
    review_method: str
    enabled: bool
    updater: str
    created: float
    updated: float
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Folder:
    """A public library folder; roots have no parent."""

    index: int
    id: str
    name: str
    workspace: int
    parent: int | None
    created_by: str | None
    updated: float


class Catalog:
    """Workspaces, trackers, scorecards, library folders and call outcomes of a company."""

    def __init__(self, seed: int, n_workspaces: int, roster: Roster, history_start: float,
                 ids: IdCodec) -> None:  # fmt: skip
        rng = random.Random(f"{seed}:catalog")
        setup = roster.people[0].created + 3600.0  # the tenant was set up by its first user
        # nothing here changes during the call history: clamp every timestamp before it
        self._latest = history_start - 86400.0
        self.workspaces = [
            Workspace(
                i,
                ids.encode("workspace", i),
                vocab.WORKSPACES[i][0] if i < len(vocab.WORKSPACES) else f"Workspace {i + 1}",
                vocab.WORKSPACES[i][1] if i < len(vocab.WORKSPACES) else None,
            )
            for i in range(n_workspaces)
        ]
        self.workspace_by_id = {w.id: w for w in self.workspaces}
        user_ids = [p.id for p in roster.people if p.active]

        self.trackers: list[Tracker] = []
        for ws in self.workspaces:
            chosen = vocab.TRACKERS if ws.index == 0 else vocab.TRACKERS[: 4 + ws.index % 3]
            for name, affiliation, keywords in chosen:
                created = _micros(min(setup + rng.uniform(0, 30) * 86400.0, self._latest))
                updated = created if rng.random() < 0.6 else _micros(
                    created + rng.uniform(1, 200) * 86400.0
                )  # fmt: skip
                self.trackers.append(
                    Tracker(
                        index=len(self.trackers),
                        id=ids.encode("tracker", len(self.trackers)),
                        name=f"{name} (tracker)" if ws.index == 0 else name,
                        workspace=ws.index,
                        affiliation=affiliation,
                        keywords=keywords,
                        created=created,
                        updated=min(updated, history_start),
                        creator=rng.choice(user_ids) if rng.random() < 0.5 else None,
                    )
                )

        self.scorecards: list[Scorecard] = []
        n_questions = 0
        for ws in self.workspaces:
            chosen_cards: tuple[vocab.ScorecardSpec, ...]
            if ws.index == 0:
                chosen_cards = vocab.SCORECARDS[:3]
            elif ws.index == 1:
                chosen_cards = (vocab.SCORECARDS[3], vocab.SCORECARDS[2])
            else:
                chosen_cards = (vocab.SCORECARDS[1], vocab.SCORECARDS[2])
            for name, method, texts in chosen_cards:
                created = float(int(min(setup + rng.uniform(0, 60) * 86400.0, self._latest)))
                updater = "-1" if rng.random() < 0.5 else rng.choice(user_ids)
                questions = []
                for text in texts:
                    questions.append(
                        Question(
                            id=ids.encode("question", n_questions),
                            revision_id=ids.encode("question-revision", n_questions),
                            text=text,
                            is_overall=text.lower().startswith("overall"),
                            updater=updater,
                        )
                    )
                    n_questions += 1
                self.scorecards.append(
                    Scorecard(
                        index=len(self.scorecards),
                        id=ids.encode("scorecard", len(self.scorecards)),
                        name=name,
                        workspace=ws.index,
                        review_method=method,
                        enabled=rng.random() < 0.85,
                        updater=updater,
                        created=created,
                        updated=created,
                        questions=tuple(questions),
                    )
                )
        self.scorecard_by_id = {s.id: s for s in self.scorecards}
        # per workspace and review method, the scorecards calls can be scored with
        self.scorecards_for: dict[tuple[int, str], list[Scorecard]] = {}
        for card in self.scorecards:
            self.scorecards_for.setdefault((card.workspace, card.review_method), []).append(card)

        self.folders: list[Folder] = []
        for ws in self.workspaces:
            root = self._folder(rng, ids, "Public Folders", ws.index, None, None, setup)
            for name, children in vocab.LIBRARY_FOLDERS:
                creator = rng.choice(user_ids)
                when = setup + rng.uniform(10, 300) * 86400.0
                parent = self._folder(rng, ids, name, ws.index, root.index, creator, when)
                for child in children:
                    self._folder(rng, ids, child, ws.index, parent.index, creator, when + 86400)
        self.folder_by_id = {f.id: f for f in self.folders}

    def _folder(self, rng: random.Random, ids: IdCodec, name: str, workspace: int,
                parent: int | None, creator: str | None, when: float) -> Folder:  # fmt: skip
        folder = Folder(
            index=len(self.folders),
            id=ids.encode("folder", len(self.folders)),
            name=name,
            workspace=workspace,
            parent=parent,
            created_by=creator,
            updated=_micros(min(when + rng.uniform(0, 5) * 86400.0, self._latest)),
        )
        self.folders.append(folder)
        return folder

    # -- JSON ---------------------------------------------------------------------------

    def workspace_json(self, ws: Workspace) -> dict[str, Any]:
        """A ``WorkspaceMetadata`` object."""
        return {"id": ws.id, "name": ws.name, "description": ws.description}

    def tracker_json(self, tracker: Tracker, tz: ZoneInfo) -> dict[str, Any]:
        """A ``KeywordTracker`` object (timestamps with microseconds, as recorded)."""
        return {
            "trackerId": tracker.id,
            "trackerName": tracker.name,
            "workspaceId": self.workspaces[tracker.workspace].id,
            "languageKeywords": [
                {"language": "eng", "keywords": list(tracker.keywords), "includeRelatedForms": True}
            ],
            "affiliation": tracker.affiliation,
            "partOfQuestion": False,
            "saidAt": "Anytime",
            "saidAtInterval": None,
            "saidAtUnit": None,
            "saidInTopics": [],
            "filterQuery": "{}",
            "created": iso(tracker.created, tz, "microseconds"),
            "creatorUserId": tracker.creator,
            "updated": iso(tracker.updated, tz, "microseconds"),
            "updaterUserId": tracker.creator,
        }

    def scorecard_json(self, card: Scorecard, tz: ZoneInfo) -> dict[str, Any]:
        """A ``Scorecard`` with ids as strings and ranges as "1"/"5", as recorded."""
        created = iso(card.created, tz)
        updated = iso(card.updated, tz)
        return {
            "scorecardId": card.id,
            "scorecardName": card.name,
            "workspaceId": self.workspaces[card.workspace].id,
            "enabled": card.enabled,
            "updaterUserId": card.updater,
            "created": created,
            "updated": updated,
            "reviewMethod": card.review_method,
            "questions": [
                {
                    "questionId": q.id,
                    "questionRevisionId": q.revision_id,
                    "questionText": q.text,
                    "isOverall": q.is_overall,
                    "updaterUserId": q.updater,
                    "questionType": "RANGE",
                    "answerGuide": None,
                    "minRange": "1",
                    "maxRange": "5",
                    "answerOptions": [],
                    "created": created,
                    "updated": updated,
                }
                for q in card.questions
            ],
        }

    def folder_json(self, folder: Folder, tz: ZoneInfo) -> dict[str, Any]:
        """A ``LibraryFolder`` object."""
        return {
            "id": folder.id,
            "name": folder.name,
            "parentFolderId": self.folders[folder.parent].id if folder.parent is not None else None,
            "createdBy": folder.created_by,
            "updated": iso(folder.updated, tz, "microseconds"),
        }

    @staticmethod
    def outcomes_json() -> list[dict[str, Any]]:
        """``CallOutcomeDto`` objects, in display order."""
        return [
            {
                "callOutcome": name,
                "displayOrder": order,
                "connectStatus": connect,
                "sentiment": sentiment,
                "todoAction": todo,
                "automation": automation,
                "category": category,
            }
            for order, (name, connect, sentiment, todo, automation, category) in enumerate(
                vocab.CALL_OUTCOMES, start=1
            )
        ]


def _micros(ts: float) -> float:
    return round(ts * 1e6) / 1e6
