"""The companies the sales team talks to: accounts, their contacts and their CRM records.

Each call is with one account (its index is in the call skeleton); an account's contacts,
CRM ids and opportunity are derived from (seed, account index) on first use, so the same
people and CRM objects recur across that account's calls, as in a real CRM.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from functools import lru_cache

from dlt_gong.sandbox import vocabulary as vocab
from dlt_gong.sandbox.roster import slug

_CRM_CHARS = string.ascii_letters + string.digits


def _crm_id(rng: random.Random, prefix: str) -> str:
    """A Salesforce-looking 18-character id with the object's key prefix."""
    return prefix + "".join(rng.choice(_CRM_CHARS) for _ in range(12)) + "AAC"


@dataclass(frozen=True)
class Contact:
    """A person at an account; appears as an external call party."""

    first_name: str
    last_name: str
    email: str
    title: str | None
    phone: str | None
    crm_id: str
    crm_object: str  # "Contact" or "Lead"
    lead_source: str | None

    @property
    def name(self) -> str:
        """Display name."""
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Account:
    """An external company with its CRM account, open opportunity and contacts."""

    index: int
    name: str
    domain: str
    industry: str
    employees: int
    annual_revenue: int
    crm_account_id: str
    crm_opportunity_id: str
    opportunity_name: str
    amount: int
    stage: str
    stage_at_call: str
    probability: int
    close_date: str
    contacts: tuple[Contact, ...]


class AccountBook:
    """Lazily derived accounts, ``count`` of them."""

    def __init__(self, seed: int, count: int) -> None:
        self.seed = seed
        self.count = count
        self.get = lru_cache(maxsize=4096)(self._build)

    def _build(self, index: int) -> Account:
        rng = random.Random(f"{self.seed}:account:{index}")
        prefix = vocab.ACCOUNT_PREFIXES[index % len(vocab.ACCOUNT_PREFIXES)]
        suffix = vocab.ACCOUNT_SUFFIXES[(index // len(vocab.ACCOUNT_PREFIXES)) % 16]
        generation = index // (len(vocab.ACCOUNT_PREFIXES) * 16)
        name = f"{prefix} {suffix}" + (f" {generation + 1}" if generation else "")
        domain = f"{slug(name)}.example.com"
        contacts = []
        for _ in range(rng.randint(2, 6)):
            first = rng.choice(vocab.FIRST_NAMES)
            last = rng.choice(vocab.LAST_NAMES)
            is_lead = rng.random() < 0.2
            contacts.append(
                Contact(
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}@{domain}".lower(),
                    title=rng.choice(vocab.CONTACT_TITLES),
                    phone=f"+1 {rng.randrange(200, 990)}-555-{rng.randrange(0, 10000):04d}",
                    crm_id=_crm_id(rng, "00Q" if is_lead else "003"),
                    crm_object="Lead" if is_lead else "Contact",
                    lead_source=rng.choice(vocab.LEAD_SOURCES),
                )
            )
        stage_no = rng.randrange(len(vocab.OPPORTUNITY_STAGES))
        return Account(
            index=index,
            name=name,
            domain=domain,
            industry=rng.choice(vocab.INDUSTRIES),
            employees=rng.choice((25, 80, 150, 400, 1200, 5000, 20000)),
            annual_revenue=rng.randrange(2, 900) * 1_000_000,
            crm_account_id=_crm_id(rng, "001"),
            crm_opportunity_id=_crm_id(rng, "006"),
            opportunity_name=f"{name} - {rng.choice(('New Business', 'Expansion', 'Renewal'))}",
            amount=rng.randrange(5, 400) * 1000,
            stage=vocab.OPPORTUNITY_STAGES[stage_no],
            stage_at_call=vocab.OPPORTUNITY_STAGES[max(0, stage_no - rng.randint(0, 2))],
            probability=rng.choice((10, 20, 40, 60, 80, 90)),
            close_date=f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            contacts=tuple(contacts),
        )
