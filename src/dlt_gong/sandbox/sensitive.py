"""What a company's legal team worries about before Gong is copied into a warehouse.

A real Gong holds recorded job interviews and one-to-ones, customers who joined a call
from a personal mail address, and email addresses and phone numbers said out loud. The
sandbox company has all three, so that leaving calls out and hashing personal data can be
tested against a known answer:

* some internal meetings are titled ``Interview: <candidate>`` or ``1:1 <host> / <report>``;
* some external parties joined from a personal mail domain (`PERSONAL_DOMAINS`);
* in some calls a speaker says an email address or a phone number, inside a sentence.

Each draws from a random stream of its own (seed, call index, what it decides), never from
the streams the rest of a call is built from: every other field of every call is the same
as without them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from dlt_gong.sandbox import vocabulary as vocab

if TYPE_CHECKING:
    from dlt_gong.sandbox.calls import Party
    from dlt_gong.sandbox.roster import Person

INTERVIEW_RATE = 0.15
"""Internal meetings retitled as a job interview."""
ONE_TO_ONE_RATE = 0.15
"""Internal meetings retitled as a one-to-one of the host and another user."""
PERSONAL_MAIL_RATE = 0.15
"""External parties (with an address) who joined from a personal mail domain instead."""
SPOKEN_RATE = 0.25
"""Calls in which a speaker says their email address or phone number."""

PERSONAL_DOMAINS = ("gmail.com", "yahoo.com")
"""The personal mail domains parties join from."""


def _rng(seed: int, i: int, what: str) -> random.Random:
    return random.Random(f"{seed}:call:{i}:sensitive {what}")


def internal_title(seed: int, i: int, title: str, host: Person, others: Sequence[Person]) -> str:
    """The title of internal meeting ``i``: an interview, a one-to-one, or as it was."""
    rng = _rng(seed, i, "title")
    draw = rng.random()
    if draw < INTERVIEW_RATE:
        candidate = f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.LAST_NAMES)}"
        return f"Interview: {candidate} ({host.title or 'open role'})"
    if draw < INTERVIEW_RATE + ONE_TO_ONE_RATE and others:
        return f"1:1 {host.first_name} / {rng.choice(list(others)).first_name}"
    return title


def personal_addresses(seed: int, i: int, parties: tuple[Party, ...]) -> tuple[Party, ...]:
    """The parties of call ``i``, some external ones with a personal address instead."""
    rng = _rng(seed, i, "addresses")
    found = []
    for party in parties:
        personal = rng.random() < PERSONAL_MAIL_RATE
        if party.internal or party.email is None or party.contact is None or not personal:
            found.append(party)
            continue
        contact = party.contact
        local = f"{contact.first_name}.{contact.last_name}{rng.randrange(1, 100)}".lower()
        found.append(replace(party, email=f"{local}@{rng.choice(PERSONAL_DOMAINS)}"))
    return tuple(found)


def spoken(
    seed: int, i: int, monologues: list[dict[str, Any]], parties: Sequence[Party]
) -> list[dict[str, Any]]:
    """The transcript of call ``i``, in some calls one sentence ending with the speaker's
    email address or phone number (what a customer says to be called back)."""
    rng = _rng(seed, i, "spoken")
    if rng.random() >= SPOKEN_RATE or not monologues:
        return monologues
    by_speaker = {p.speaker_id: p for p in parties if p.speaker_id}
    monologue = rng.choice(monologues)
    party = by_speaker.get(monologue["speakerId"])
    if party is None or not monologue["sentences"]:
        return monologues
    contact = party.contact
    email = party.email or (contact.email if contact is not None else None)
    phone = party.phone or (contact.phone if contact is not None else None)
    said = [
        *([f"You can email me at {email}."] if email else []),
        *([f"My number is {phone}, call me any time."] if phone else []),
    ]
    if not said:
        return monologues
    sentence = rng.choice(monologue["sentences"])
    sentence["text"] = f"{sentence['text']} {rng.choice(said)}"
    return monologues
