"""Calls a company keeps out of its warehouse: by title, by who took part, and by age.

Gong records job interviews, HR conversations and one-to-ones beside sales calls. A legal
team asks that those never reach a warehouse many people query, and that recordings be
kept only so long. So a load takes two rules and a retention:

* `exclude_titles`: regular expressions searched in a call's title, case-insensitive
  (``^interview``, ``1:1``);
* `exclude_domains`: email domains (``gmail.com``, which also covers its subdomains) or
  whole addresses (``ceo@example.com``); a call with any party among them is left out;
* `retention_days`: calls that started longer ago than that are neither loaded nor kept.

A call left out is dropped as its page of calls is read, before anything asks Gong for its
transcript, so a rule saves those requests; the rows of other tables that name it (its
answered scorecards, its places in library folders, audit events of its plays and external
views) are dropped as they are read (`source.py`, `tables.NamesCall`). Rows loaded before
a rule matched them, and rows that aged past the retention, are removed by the reconcile
pass (`reconcile.py`), with its tombstones, in the same load as the rest of the run;
library folder calls go as their table is replaced, and audit log entries loaded before a
rule stay. The retention leaves audit events of old calls in: an event (who played a
call, who viewed it shared) is not the call's content.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dlt_gong.errors import GongConfigError

TITLES_PROBLEM = (
    "is not a list of regular expressions on call titles: one expression as a string, or a "
    'list (a TOML list, or JSON such as ["^interview", "1:1"])'
)
DOMAINS_PROBLEM = (
    "is not a list of email domains or addresses: e.g. gmail.com,ceo@example.com (a "
    "comma-separated string or a list)"
)

_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]$")
_LOCAL = re.compile(r"^[^@\s,;]+$")


@dataclass(frozen=True)
class CallRules:
    """The calls a load leaves out, by title and by the parties' email addresses."""

    titles: tuple[str, ...] = ()
    """Regular expressions, searched case-insensitively in the title."""
    addresses: frozenset[str] = field(default_factory=frozenset)
    """Whole addresses, lower case."""
    domains: frozenset[str] = field(default_factory=frozenset)
    """Domains, lower case; a subdomain of one is matched too."""

    def __bool__(self) -> bool:
        return bool(self.titles or self.addresses or self.domains)

    @property
    def by_party(self) -> bool:
        """Whether the rules read the parties (which a content selector may leave out)."""
        return bool(self.addresses or self.domains)

    def excludes(self, call: Mapping[str, Any]) -> bool:
        """Whether a `calls` row (metaData lifted, its parties nested) is left out."""
        return self.excludes_title(call.get("title")) or any(
            self.excludes_address(party.get("emailAddress"))
            for party in call.get("parties") or []
            if isinstance(party, Mapping)
        )

    def excludes_title(self, title: Any) -> bool:
        text = title if isinstance(title, str) else ""
        return any(re.search(p, text, re.IGNORECASE) for p in self.titles)

    def excludes_address(self, address: Any) -> bool:
        if not isinstance(address, str) or "@" not in address:
            return False
        email = address.strip().lower()
        if email in self.addresses:
            return True
        domain = email.rsplit("@", 1)[1]
        return any(domain == d or domain.endswith("." + d) for d in self.domains)


@dataclass
class LeftOut:
    """What a run left out as it read Gong, for its summary."""

    calls: int = 0
    """Calls read and left out by `exclude_titles` or `exclude_domains` (a call the
    lookback reads again is counted again)."""
    rows: dict[str, int] = field(default_factory=dict)
    """By table, the rows read and left out because they name such a call, or (where the
    retention applies: `tables.NamesCall.retained`) a call older than the retention:
    answered scorecards, library folder calls, audit log entries."""

    @property
    def scorecards(self) -> int:
        """Answered scorecards of such calls, or of calls older than the retention."""
        return self.rows.get("answered_scorecards", 0)

    def count(self, table: str, n: int) -> None:
        """Counts `n` rows of `table` left out."""
        self.rows[table] = self.rows.get(table, 0) + n


def check_exclude_titles(value: Any) -> tuple[str, ...]:
    """Regular expressions as the user wrote them: a string is one expression (it may hold
    commas, as ``a{1,3}`` does), a list or a JSON list several; each must compile."""
    if value is None or value == "":
        return ()
    found: Any = value
    if isinstance(value, str):
        text = value.strip()
        found = [text]
        if text.startswith("["):
            try:
                found = json.loads(text)
            except ValueError:
                found = [text]  # an expression that begins with a character class
    if not isinstance(found, (list, tuple)) or not all(isinstance(p, str) for p in found):
        raise GongConfigError.bad("exclude_titles", value, TITLES_PROBLEM)
    patterns = tuple(dict.fromkeys(p.strip() for p in found if p.strip()))
    for pattern in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise GongConfigError.bad(
                "exclude_titles", pattern,
                f"is not a regular expression ({exc}): e.g. ^interview or 1:1, searched in "
                "the title, case-insensitive",
            ) from None  # fmt: skip
    return patterns


def is_domain_or_address(entry: str) -> bool:
    """Whether `entry` (lower case, without a leading ``@``) is an email domain or a whole
    address: what `exclude_domains` lists."""
    local, at, domain = entry.rpartition("@")
    return bool(_DOMAIN.match(domain)) and (not at or bool(_LOCAL.match(local)))


def call_rules(titles: Iterable[str], domains: Iterable[str]) -> CallRules:
    """The rules of checked `exclude_titles` and `exclude_domains`."""
    listed = tuple(domains)
    return CallRules(
        titles=tuple(titles),
        addresses=frozenset(d for d in listed if "@" in d),
        domains=frozenset(d for d in listed if "@" not in d),
    )
