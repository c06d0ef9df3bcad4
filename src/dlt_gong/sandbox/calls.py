"""The heavy parts of a call, built on demand from a per-call RNG.

Each part (metadata, parties, agenda, content, interaction, transcript) draws from its own
RNG seeded with (seed, call index, part), so it is the same whichever endpoint asks first
and whatever else was built before. Parts that depend on each other share the dependency
rather than re-deriving it: the transcript's speakers are the parties' ``speakerId``s,
``interaction.speakers`` talk times are summed from the transcript, monologue topics come
from the agenda that ``content.structure`` and ``content.topics`` also report, and the
transcript's turn-taking (``turn_taking.py``) follows the host's Talk Ratio and Patience.
"""

from __future__ import annotations

import hashlib
import random
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dlt_gong.sandbox import sensitive, turn_taking
from dlt_gong.sandbox import vocabulary as vocab
from dlt_gong.sandbox.accounts import Account, AccountBook, Contact
from dlt_gong.sandbox.catalog import Catalog
from dlt_gong.sandbox.ids import IdCodec
from dlt_gong.sandbox.roster import Roster
from dlt_gong.sandbox.selector import ContentSelector
from dlt_gong.sandbox.skeleton import (
    COMMENT,
    DURING_CALL,
    INTERNAL,
    PRIVATE,
    REPLY,
    VIDEO,
    CallSkeleton,
)
from dlt_gong.sandbox.timeutil import iso

PARTY_SLOTS = 16  # party/speaker ids are derived from call index * PARTY_SLOTS + slot
SCHEDULE_GRID = 900  # web conferences are scheduled on the quarter hour (seconds)


@dataclass(frozen=True)
class Party:
    """One participant of a call."""

    id: str
    speaker_id: str | None
    name: str
    email: str | None
    title: str | None
    user_id: str | None
    affiliation: str
    phone: str | None
    methods: tuple[str, ...]
    contact: Contact | None

    @property
    def internal(self) -> bool:
        """Whether the party is one of the company's users."""
        return self.affiliation == "Internal"


@dataclass(frozen=True)
class Segment:
    """A stretch of the call's agenda, with the topic discussed (if any)."""

    name: str
    topic: str | None
    start: float  # seconds from call start
    end: float


class CallFactory:
    """Builds call JSON (metaData, sections, transcript) for call indices of a skeleton."""

    def __init__(self, seed: int, tz: ZoneInfo, skeleton: CallSkeleton, roster: Roster,
                 accounts: AccountBook, catalog: Catalog, ids: IdCodec,
                 retranscribed: Iterable[str] = ()) -> None:  # fmt: skip
        self.seed = seed
        self.retranscribed = frozenset(retranscribed)
        self.tz = tz
        self.sk = skeleton
        self.roster = roster
        self.accounts = accounts
        self.catalog = catalog
        self.ids = ids
        self.parties = lru_cache(maxsize=8192)(self._parties)
        self.segments = lru_cache(maxsize=8192)(self._segments)
        self.transcript = lru_cache(maxsize=256)(self._spoken_transcript)
        self.interaction_values = lru_cache(maxsize=8192)(self._interaction_values)
        self.metadata = lru_cache(maxsize=4096)(self._metadata)

    def _rng(self, i: int, part: str) -> random.Random:
        return random.Random(f"{self.seed}:call:{i}:{part}")

    def call_id(self, i: int) -> str:
        """The id of call ``i``."""
        return self.ids.encode("call", i)

    def index_of(self, call_id: object) -> int | None:
        """The index of a call id, or None when no such call exists."""
        index = self.ids.decode("call", call_id)
        return index if index is not None and index < self.sk.n else None

    def url(self, i: int) -> str:
        """The call's page in the Gong app."""
        return f"https://{self.roster.tenant}.app.gong.io/call?id={self.call_id(i)}"

    def account(self, i: int) -> Account | None:
        """The external company of call ``i`` (None for internal meetings)."""
        if self.sk.flags[i] & INTERNAL:
            return None
        return self.accounts.get(self.sk.account[i])

    def external_contacts(self, i: int) -> list[Contact]:
        """Which of the account's contacts were on the call."""
        account = self.account(i)
        if account is None:
            return []
        rng = self._rng(i, "contacts")
        k = min(self.sk.ext_count[i], len(account.contacts))
        return rng.sample(list(account.contacts), k)

    # -- metaData ---------------------------------------------------------------------

    def _metadata(self, i: int) -> dict[str, Any]:
        sk = self.sk
        rng = self._rng(i, "meta")
        flags = sk.flags[i]
        host = self.roster.people[sk.host[i]]
        video = bool(flags & VIDEO)
        account = self.account(i)
        start = sk.start[i]
        purpose = rng.choice(vocab.CALL_PURPOSES.get(host.role, ("Discovery",)))
        if account is None:
            title = rng.choice(vocab.INTERNAL_TITLES)
            others = [self.roster.people[u] for u in sk.participants(i)]
            title = sensitive.internal_title(self.seed, i, title, host, others)
        elif video:
            title = f"{account.name} <> {self.roster.company_name} | {purpose}"
        else:
            contacts = self.external_contacts(i)
            who = contacts[0].name if contacts else account.name
            title = f"Call with {who} ({account.name})"
        if video:
            system, pattern = rng.choice(vocab.CONFERENCE_SYSTEMS)
            meeting_url: str | None = pattern.format(
                n=rng.randrange(10**9, 10**11),
                a="".join(rng.choices(string.ascii_lowercase, k=3)),
                b="".join(rng.choices(string.ascii_lowercase, k=4)),
                c="".join(rng.choices(string.ascii_lowercase, k=3)),
            )
            scheduled: str | None = iso(start - start % SCHEDULE_GRID, self.tz)
            direction = "Conference"
            calendar = (
                "".join(rng.choices(string.ascii_lowercase + string.digits, k=26)) + "@google.com"
                if rng.random() < 0.85
                else None
            )
            client_unique_id = None
        else:
            system = rng.choice(vocab.TELEPHONY_SYSTEMS)
            meeting_url = None
            scheduled = None
            direction = "Outbound" if rng.random() < 0.8 else "Inbound"
            calendar = None
            client_unique_id = "".join(rng.choices(string.ascii_uppercase + string.digits, k=19))
        r = rng.random()
        language = "eng" if r < 0.95 else "spa" if r < 0.98 else "und"
        return {
            "id": self.call_id(i),
            "url": self.url(i),
            "title": title,
            "scheduled": scheduled,
            "started": iso(start, self.tz),
            "duration": sk.duration[i],
            "primaryUserId": host.id,
            "direction": direction,
            "system": system,
            "scope": "Internal" if account is None else "External",
            "media": "Video" if video else "Audio",
            "language": language,
            "workspaceId": self.catalog.workspaces[sk.workspace[i]].id,
            "sdrDisposition": rng.choice(vocab.SDR_DISPOSITIONS)
            if host.role == "sdr" and not video
            else None,
            "clientUniqueId": client_unique_id,
            "customData": None,
            "purpose": purpose if account is not None and rng.random() < 0.3 else None,
            "meetingUrl": meeting_url,
            "isPrivate": bool(flags & PRIVATE),
            "calendarEventId": calendar,
        }

    # -- parties ----------------------------------------------------------------------

    def _parties(self, i: int) -> tuple[Party, ...]:
        sk = self.sk
        rng = self._rng(i, "parties")
        video = bool(sk.flags[i] & VIDEO)
        out: list[Party] = []

        def slot_ids(speaks: bool) -> tuple[str, str | None]:
            slot = i * PARTY_SLOTS + len(out)
            return (
                self.ids.encode("party", slot),
                self.ids.encode("speaker", slot) if speaks else None,
            )

        for n, user in enumerate((sk.host[i], *sk.participants(i))):
            person = self.roster.people[user]
            party_id, speaker_id = slot_ids(n == 0 or rng.random() < 0.85)
            out.append(
                Party(
                    id=party_id,
                    speaker_id=speaker_id,
                    name=person.name,
                    email=person.email,
                    title=person.title,
                    user_id=person.id,
                    affiliation="Internal",
                    phone=None if video else person.phone,
                    methods=("Invitee", "Attendee") if video else ("Attendee",),
                    contact=None,
                )
            )
        contacts = self.external_contacts(i)
        attended = [True] * len(contacts)
        if video and len(contacts) > 1:
            attended = [n == 0 or rng.random() < 0.85 for n in range(len(contacts))]
        for contact, came in zip(contacts, attended, strict=True):
            party_id, speaker_id = slot_ids(came)
            out.append(
                Party(
                    id=party_id,
                    speaker_id=speaker_id,
                    name=contact.name,
                    email=contact.email if video or rng.random() < 0.5 else None,
                    title=contact.title,
                    user_id=None,
                    affiliation="External",
                    phone=None if video else contact.phone,
                    methods=(("Invitee", "Attendee") if came else ("Invitee",))
                    if video
                    else ("Attendee",),
                    contact=contact,
                )
            )
        return sensitive.personal_addresses(self.seed, i, tuple(out))

    def party_json(self, i: int, party: Party, selector: ContentSelector) -> dict[str, Any]:
        """A ``Party`` object; its ``context`` follows the selector's context level."""
        return {
            "id": party.id,
            "emailAddress": party.email,
            "name": party.name,
            "title": party.title,
            "userId": party.user_id,
            "speakerId": party.speaker_id,
            "context": self._party_context(i, party, selector),
            "affiliation": party.affiliation,
            "phoneNumber": party.phone,
            "methods": list(party.methods),
        }

    # -- CRM context ------------------------------------------------------------------

    def context(self, i: int, selector: ContentSelector) -> list[dict[str, Any]]:
        """The call's CRM links (Basic) or links with field values (Extended)."""
        account = self.account(i)
        if account is None:
            return []
        objects: list[dict[str, Any]] = []
        for timing in self._timings(selector):
            stage = account.stage if timing == "Now" else account.stage_at_call
            opportunity: dict[str, Any] = {
                "objectType": "Opportunity",
                "objectId": account.crm_opportunity_id,
            }
            acct: dict[str, Any] = {"objectType": "Account", "objectId": account.crm_account_id}
            if selector.context == "Extended":
                opportunity["fields"] = [
                    {"name": "Name", "value": account.opportunity_name},
                    {"name": "Amount", "value": account.amount},
                    {"name": "StageName", "value": stage},
                    {"name": "Probability", "value": account.probability},
                    {"name": "CloseDate", "value": account.close_date},
                    {"name": "IsClosed", "value": stage.startswith("Closed")},
                ]
                acct["fields"] = [
                    {"name": "Name", "value": account.name},
                    {"name": "Industry", "value": account.industry},
                    {"name": "NumberOfEmployees", "value": account.employees},
                    {"name": "AnnualRevenue", "value": float(account.annual_revenue)},
                    {"name": "Website", "value": f"https://www.{account.domain}"},
                ]
            opportunity["timing"] = timing
            acct["timing"] = timing
            objects.extend((opportunity, acct))
        return [{"system": "Salesforce", "objects": objects}]

    def _party_context(self, i: int, party: Party, selector: ContentSelector) -> list[Any]:
        contact = party.contact
        if selector.context == "None" or contact is None:
            return []
        objects = []
        for timing in self._timings(selector):
            obj: dict[str, Any] = {"objectType": contact.crm_object, "objectId": contact.crm_id}
            if selector.context == "Extended":
                obj["fields"] = [
                    {"name": "Email", "value": contact.email},
                    {"name": "Title", "value": contact.title},
                    {"name": "LeadSource", "value": contact.lead_source},
                    {"name": "HasOptedOutOfEmail", "value": False},
                ]
            obj["timing"] = timing
            objects.append(obj)
        return [{"system": "Salesforce", "objects": objects}]

    @staticmethod
    def _timings(selector: ContentSelector) -> tuple[str, ...]:
        return selector.context_timing if selector.context == "Extended" else ("Now",)

    # -- agenda, content --------------------------------------------------------------

    def _segments(self, i: int) -> tuple[Segment, ...]:
        sk = self.sk
        rng = self._rng(i, "segments")
        flags = sk.flags[i]
        if flags & INTERNAL:
            names = vocab.STRUCTURE_BY_PURPOSE["internal"]
        elif flags & VIDEO:
            names = vocab.STRUCTURE_BY_PURPOSE["external"]
        else:
            names = vocab.STRUCTURE_BY_PURPOSE["phone"]
        duration = float(sk.duration[i])
        weights = [rng.uniform(0.5, 2.0) for _ in names]
        total = sum(weights) * 1.08  # a little unstructured time at the end
        out, t = [], 0.0
        for name, weight in zip(names, weights, strict=True):
            length = duration * weight / total
            topic = rng.choice(vocab.TOPICS) if rng.random() < 0.75 else None
            out.append(Segment(name, topic, round(t, 2), round(t + length, 2)))
            t += length
        return tuple(out)

    def content(self, i: int, fields: frozenset[str]) -> dict[str, Any]:
        """The ``content`` section with the requested fields."""
        rng = self._rng(i, "content")
        segments = self.segments(i)
        account = self.account(i)
        account_name = account.name if account else self.roster.company_name
        out: dict[str, Any] = {}
        if "structure" in fields:
            out["structure"] = [{"name": s.name, "duration": int(s.end - s.start)}
                                for s in segments]  # fmt: skip
        if "trackers" in fields:
            out["trackers"] = self._trackers(i, "trackerOccurrences" in fields)
        if "topics" in fields:
            topics: dict[str, float] = {}
            for s in segments:
                if s.topic:
                    topics[s.topic] = topics.get(s.topic, 0.0) + (s.end - s.start)
            out["topics"] = [{"name": k, "duration": int(v)} for k, v in topics.items()]
        if "brief" in fields:
            out["brief"] = (
                rng.choice(vocab.BRIEFS).format(account=account_name)
                if account
                else "An internal meeting about open deals, forecast and action items."
            )
        if "outline" in fields:
            out["outline"] = [
                {
                    "section": s.name,
                    "startTime": s.start,
                    "duration": round(s.end - s.start, 2),
                    "items": [
                        {
                            "text": rng.choice(vocab.KEY_POINTS).format(account=account_name),
                            "startTime": round(rng.uniform(s.start, s.end), 2),
                        }
                        for _ in range(rng.randint(1, 3))
                    ],
                }
                for s in segments
            ]
        if "highlights" in fields:
            duration = float(self.sk.duration[i])
            out["highlights"] = [
                {
                    "title": title,
                    "items": [
                        {"text": text, "startTimes": [round(rng.uniform(0, duration), 2)]}
                        for text in rng.sample(items, rng.randint(1, len(items)))
                    ],
                }
                for title, items in rng.sample(vocab.HIGHLIGHTS, rng.randint(1, 3))
            ]
        outcome = self._call_outcome(i) if "callOutcome" in fields else None
        if outcome is not None:  # "Returned when it is available" (spec)
            out["callOutcome"] = outcome
        if "keyPoints" in fields:
            out["keyPoints"] = [
                {"text": text.format(account=account_name)}
                for text in rng.sample(vocab.KEY_POINTS, rng.randint(2, 4))
            ]
        return out

    def _call_outcome(self, i: int) -> dict[str, str] | None:
        rng = self._rng(i, "outcome")
        flags = self.sk.flags[i]
        if flags & INTERNAL or (flags & VIDEO and rng.random() < 0.6):
            return None
        if flags & VIDEO:
            name = rng.choice(("Meeting booked", "Interested", "Follow-up scheduled"))
        else:
            name = rng.choice(vocab.CALL_OUTCOMES)[0]
        category = next(c[5] for c in vocab.CALL_OUTCOMES if c[0] == name)
        return {
            "id": name.upper().replace(" ", "_").replace("-", "_"),
            "category": "Answered" if category == "ANSWERED" else "Not answered",
            "name": name,
        }

    def _trackers(self, i: int, occurrences: bool) -> list[dict[str, Any]]:
        rng = self._rng(i, "trackers")
        speakers = [p.speaker_id for p in self.parties(i) if p.speaker_id]
        duration = float(self.sk.duration[i])
        out = []
        for tracker in self.catalog.trackers:
            if tracker.workspace != self.sk.workspace[i]:
                continue
            count = int(rng.expovariate(0.6)) if rng.random() < 0.6 else 0
            if not count:
                continue
            hits = sorted(
                (
                    round(rng.uniform(0, duration), 2),
                    rng.choice(speakers),
                    rng.choice(tracker.keywords),
                )
                for _ in range(count)
            )
            phrases: dict[str, list[tuple[float, str]]] = {}
            for start, speaker, phrase in hits:
                phrases.setdefault(phrase, []).append((start, speaker))
            item: dict[str, Any] = {
                "id": tracker.id,
                "name": tracker.name,
                "count": count,
                "type": "KEYWORD",
            }
            if occurrences:
                item["occurrences"] = [{"startTime": s, "speakerId": sp} for s, sp, _ in hits]
            item["phrases"] = []
            for phrase, found in phrases.items():
                entry: dict[str, Any] = {"count": len(found)}
                if occurrences:
                    entry["occurrences"] = [{"startTime": s, "speakerId": sp} for s, sp in found]
                entry["phrase"] = phrase
                item["phrases"].append(entry)
            out.append(item)
        return out

    # -- interaction --------------------------------------------------------------------

    def _interaction_values(self, i: int) -> tuple[tuple[str, float], ...]:
        rng = self._rng(i, "interaction")
        duration = self.sk.duration[i]
        return (
            ("Talk Ratio", round(rng.uniform(0.3, 0.75), 2)),
            ("Longest Monologue", min(duration, rng.randint(20, 400))),
            ("Longest Customer Story", min(duration, rng.randint(5, 200))),
            ("Interactivity", round(rng.uniform(1.5, 10.0), 2)),
            ("Patience", round(rng.uniform(0.3, 2.5), 2)),
            ("Question Rate", round(rng.uniform(0.5, 20.0), 2)),
        )

    def interaction(self, i: int, fields: frozenset[str]) -> dict[str, Any]:
        """The ``interaction`` section with the requested fields."""
        out: dict[str, Any] = {}
        if "speakers" in fields:
            talk: dict[str, float] = {}
            for monologue in self.transcript(i):
                spoken = sum(s["end"] - s["start"] for s in monologue["sentences"]) / 1000.0
                talk[monologue["speakerId"]] = talk.get(monologue["speakerId"], 0.0) + spoken
            out["speakers"] = [
                {"id": p.id, "userId": p.user_id, "talkTime": round(talk.get(p.speaker_id, 0.0), 2)}
                for p in self.parties(i)
                if p.speaker_id
            ]
        if "personInteractionStats" in fields:
            out["interactionStats"] = [
                {"name": name, "value": value} for name, value in self.interaction_values(i)
            ]
        if "video" in fields:
            out["video"] = self._video(i)
        if "questions" in fields:
            rng = self._rng(i, "questions")
            minutes = self.sk.duration[i] / 60.0
            out["questions"] = {
                "companyCount": int(minutes * rng.uniform(0.1, 0.6)),
                "nonCompanyCount": int(minutes * rng.uniform(0.05, 0.4)),
            }
        return out

    def _video(self, i: int) -> list[dict[str, Any]]:
        if not self.sk.flags[i] & VIDEO:
            return []
        rng = self._rng(i, "video")
        duration = float(self.sk.duration[i])
        names = ("Browser", "Presentation", "WebcamPrimaryUser", "WebcamNonCompany")
        return [{"name": n, "duration": round(duration * rng.uniform(0.05, 0.6), 1)} for n in names]

    # -- collaboration, media -----------------------------------------------------------

    def comments(self, i: int, as_of: float) -> list[dict[str, Any]]:
        """Public comments posted by ``as_of``, oldest first; replies answer the one before."""
        sk = self.sk
        events = sorted((e for e in sk.events(i) if sk.ev_kind[e] == COMMENT),
                        key=lambda e: (sk.ev_time[e], e))  # fmt: skip
        out: list[dict[str, Any]] = []
        previous: str | None = None
        for e in events:
            posted = sk.ev_time[e]
            if posted > as_of:
                break
            comment_id = self.ids.encode("comment", e)
            aux = sk.ev_aux[e]
            rng = random.Random(f"{self.seed}:comment:{e}")
            if aux & DURING_CALL:
                audio = float(max(0, posted - sk.start[i]))
            else:
                audio = float(rng.randrange(0, max(1, sk.duration[i])))
            out.append(
                {
                    "id": comment_id,
                    "audioStartTime": audio,
                    "audioEndTime": audio + rng.choice((0, 0, 5, 15)),
                    "commenterUserId": self.roster.people[sk.ev_user[e]].id,
                    "comment": rng.choice(vocab.COMMENTS),
                    "posted": iso(posted, self.tz),
                    "inReplyTo": previous if aux & REPLY else None,
                    "duringCall": bool(aux & DURING_CALL),
                }
            )
            previous = comment_id
        return out

    def media(self, i: int, as_of: float) -> dict[str, Any]:
        """Signed media URLs, valid 8 hours from ``as_of`` (not actually served)."""
        call_id = self.call_id(i)
        stamp = int(as_of)
        signature = hashlib.sha256(f"{self.seed}:{call_id}:{stamp}".encode()).hexdigest()
        query = f"X-Amz-Date={stamp}&X-Amz-Expires=28800&X-Amz-Signature={signature}"
        base = f"https://gong-sandbox-media.s3.amazonaws.com/{self.roster.tenant}/{call_id}"
        return {
            "audioUrl": f"{base}/audio.mp3?{query}",
            "videoUrl": f"{base}/video.mp4?{query}" if self.sk.flags[i] & VIDEO else None,
        }

    # -- the extensive item -------------------------------------------------------------

    def item(self, i: int, selector: ContentSelector, as_of: float) -> dict[str, Any]:
        """One ``CallData`` item: metaData plus the sections the selector asks for.

        Private calls keep metaData, context and parties; Gong withholds the rest.
        """
        out: dict[str, Any] = {"metaData": dict(self.metadata(i))}
        if selector.context != "None":
            out["context"] = self.context(i, selector)
        if selector.parties:
            out["parties"] = [self.party_json(i, p, selector) for p in self.parties(i)]
        if self.sk.flags[i] & PRIVATE:
            return out
        content = self.content(i, selector.content) if selector.content else {}
        if content:
            out["content"] = content
        if selector.interaction:
            out["interaction"] = self.interaction(i, selector.interaction)
        if selector.public_comments:
            out["collaboration"] = {"publicComments": self.comments(i, as_of)}
        if selector.media:
            out["media"] = self.media(i, as_of)
        return out

    # -- transcript -----------------------------------------------------------------------

    def _transcript(self, i: int) -> list[dict[str, Any]]:
        # a call Gong transcribed again says other sentences, at other times
        again = self.call_id(i) in self.retranscribed
        rng = self._rng(i, "transcript again" if again else "transcript")
        parties = [p for p in self.parties(i) if p.speaker_id]
        stats = dict(self.interaction_values(i))  # the host's, which the talk follows
        segments = self.segments(i)

        def topic_at(ms: float) -> str | None:
            seconds = ms / 1000.0
            for s in segments:
                if s.start <= seconds < s.end:
                    return s.topic
            return None

        end_ms = self.sk.duration[i] * 1000
        return turn_taking.write(rng, parties, end_ms, stats["Talk Ratio"],
                                 stats["Patience"] * 1000, topic_at)  # fmt: skip

    def _spoken_transcript(self, i: int) -> list[dict[str, Any]]:
        """The transcript, with an email address or phone number said in some calls."""
        return sensitive.spoken(self.seed, i, self._transcript(i), self.parties(i))

    def transcript_item(self, i: int) -> dict[str, Any]:
        """One ``CallTranscript``: the call id and its monologues (offsets in ms)."""
        return {"callId": self.call_id(i), "transcript": self.transcript(i)}
