"""Email addresses and phone numbers replaced by a keyed hash before any row is written.

With `hash_personal_data`, every row of every table passes through `PersonalData.scrub`
as its resource yields it, before dlt's extract writes anything: the extract files, the
load packages, the destination (and `dlt-gong run`'s spool of pages) only ever hold the
hash. What is replaced:

* any text that is an email address, wherever it is: a column (users' `emailAddress`,
  parties', stats' `userEmailAddress`), a list, or inside free text (a sentence of a
  transcript, an audit log record, a CRM field's value);
* phone numbers: a column whose name says so (`phoneNumber`, `phone`) whole, and inside
  text the forms Gong's users write (``+1 415-555-0134``, ``(415) 555-0134``,
  ``415-555-0134``, ``+14155550134``);
* with `hash_names`, people's names: `firstName`, `lastName`, `fullName`,
  `userFullName`, and the `name` of a person (an object with an email field: a party).

The hash is HMAC-SHA256 with the company's own key (`sources.gong.personal_data_key`,
a secret), in hex: the same address gives the same hash in every table and every run, so
`calls__parties` still joins `users` on the email address, and nobody without the key can
test a guess (an unkeyed hash of an address is reversed by hashing a list of addresses).
Addresses are compared lower case and phone numbers by their digits (and a leading +).

Requests still need the real values (flows are asked for by their owner's email), so the
hashes made in a run are remembered in memory, for that run only (`original`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

MIN_KEY_LENGTH = 16
"""Characters of `personal_data_key` at least: a short key can be guessed, and with it
every hash reversed."""

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}"  # +1 415-555-0134
    r"|\+\d{8,15}"  # +14155550134
    r"|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}"  # (415) 555-0134
    r"|\d{3}[.-]\d{3}[.-]\d{4}"  # 415-555-0134
    r")(?!\w)"
)
EMAIL_KEYS = ("email", "emailaddress")
PHONE_KEYS = ("phone", "phonenumber", "mobile")
NAME_KEYS = frozenset({"firstName", "lastName", "fullName", "userFullName"})
"""Person-name columns (`hash_names`); `name` only in an object that has an email field."""


class PersonalData:
    """Hashes a run's rows; remembers which value each hash stands for, in memory."""

    def __init__(self, key: str, *, names: bool = False) -> None:
        self._key = key.encode()
        self.names = names
        self._originals: dict[str, str] = {}

    def hash(self, value: str) -> str:
        """The keyed hash of a value as compared: an address lower case, a phone number
        by its digits."""
        if value in self._originals:
            return value  # a hash made in this run (a derived table copies it)
        digest = hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()
        self._originals[digest] = value
        return digest

    @property
    def fingerprint(self) -> str:
        """The key's fingerprint (`key_fingerprint`)."""
        return key_fingerprint(self._key.decode())

    def original(self, value: Any) -> Any:
        """The value a hash made in this run stands for (the value itself otherwise)."""
        return self._originals.get(value, value) if isinstance(value, str) else value

    def email(self, value: str) -> str:
        return self._known(value) or self.hash(value.strip().lower())

    def phone(self, value: str) -> str:
        digits = re.sub(r"[^\d+]", "", value)
        return self._known(value) or self.hash(digits or value)

    def _known(self, value: str) -> str | None:
        return value if value in self._originals else None

    def text(self, value: str) -> str:
        """Free text with every address and phone number in it replaced."""
        if "@" in value:
            value = EMAIL.sub(lambda m: self.email(m.group(0)), value)
        if any(c.isdigit() for c in value):
            value = PHONE.sub(lambda m: self.phone(m.group(0)), value)
        return value

    def scrub(self, item: Any) -> Any:
        """A row (or any value in it), with personal data replaced; a new object, so what
        another resource was handed is left as it was."""
        if isinstance(item, Mapping):
            person = self.names and any(_is(k, EMAIL_KEYS) for k in item)
            return {k: self._field(k, v, person) for k, v in item.items()}
        if isinstance(item, list):
            return [self.scrub(v) for v in item]
        if isinstance(item, tuple):
            return tuple(self.scrub(v) for v in item)
        if isinstance(item, str):
            return self.text(item)
        if _is_arrow_table(item):
            return self._columns(item)
        return item

    def _columns(self, table: Any) -> Any:
        """An Arrow table (`Table.frame`) with each text column scrubbed as a row's field
        of that name would be."""
        import pyarrow as pa

        person = self.names and any(_is(k, EMAIL_KEYS) for k in table.column_names)
        for index, name in enumerate(table.column_names):
            column = table.column(index)
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                scrubbed = [self._field(name, value, person) for value in column.to_pylist()]
                table = table.set_column(index, table.field(index), pa.array(scrubbed, column.type))
        return table

    def _field(self, key: Any, value: Any, person: bool) -> Any:
        if isinstance(value, str) and value and isinstance(key, str):
            if _is(key, EMAIL_KEYS):
                return self.email(value)
            if _is(key, PHONE_KEYS):
                return self.phone(value)
            if self.names and (key in NAME_KEYS or (person and key == "name")):
                return self._known(value) or self.hash(value.strip())
        return self.scrub(value)


def _is_arrow_table(item: Any) -> bool:
    """Whether `item` is a pyarrow Table, without importing pyarrow for rows."""
    return type(item).__name__ == "Table" and type(item).__module__.startswith("pyarrow")


def _is(key: Any, endings: tuple[str, ...]) -> bool:
    """Whether a column's name ends with one of `endings` (`userEmailAddress`,
    `phoneNumber`, `email`), whatever its case or underscores."""
    if not isinstance(key, str):
        return False
    folded = key.replace("_", "").lower()
    return folded.endswith(endings)


def key_fingerprint(key: str) -> str:
    """What the source state keeps of the key: enough to tell that a later run hashes
    with another key (its hashes would not join), nothing that helps to find the key."""
    return hmac.new(key.encode(), b"dlt-gong personal data key", hashlib.sha256).hexdigest()[:16]


MODE = "personal_data"
"""Source state: how the dataset's personal data was loaded, ``raw`` or ``hashed`` (with
``+names``) and the key's fingerprint: a dataset holds one or the other, never both."""
RELOAD = (
    "run once with --full-reload (every table is dropped and loaded again; from Python, "
    'pipeline.run(source, refresh="drop_sources")), or load into a new dataset'
)


def mode(personal: PersonalData | None) -> str:
    if personal is None:
        return "raw"
    names = "+names" if personal.names else ""
    return f"hashed{names}:{personal.fingerprint}"


def refuse_mixing(state: Mapping[str, Any], personal: PersonalData | None) -> None:
    """A `GongConfigError` when this load would put hashed and raw personal data (or
    hashes of two keys) in one dataset: they would not join, and the raw rows would stay.
    `state` is the pipeline's source state; a dataset loaded before this check existed
    holds raw data."""
    from dlt_gong.errors import GongConfigError
    from dlt_gong.planning import run_is_incremental

    wanted = mode(personal)
    saved = state.get(MODE)
    if saved is None:
        if personal is None or not run_is_incremental(state):
            return
        saved = "raw"
    if saved == wanted:
        return
    was_hashed, hashed = saved.startswith("hashed"), wanted.startswith("hashed")
    if hashed and not was_hashed:
        problem = (
            "hash_personal_data is true, but this dataset holds personal data loaded without "
            "hashing, which would stay beside the hashes"
        )
    elif was_hashed and not hashed:
        problem = (
            "hash_personal_data is off, but this dataset holds hashed personal data: raw "
            "addresses would be loaded beside the hashes"
        )
    elif ("+names" in saved) != ("+names" in wanted):
        problem = (
            f"hash_names is {'true' if '+names' in wanted else 'off'}, but this dataset was "
            f"loaded with hash_names {'true' if '+names' in saved else 'off'}"
        )
    else:
        problem = (
            "sources.gong.personal_data_key is not the key this dataset's hashes were made "
            "with, so new hashes would not join the rows already loaded (use that key)"
        )
    raise GongConfigError(f"{problem}: {RELOAD}")


def record(state: dict[str, Any], personal: PersonalData | None) -> None:
    """Checks (`refuse_mixing`) and notes how this load treats personal data."""
    refuse_mixing(state, personal)
    state[MODE] = mode(personal)


def note_mode() -> None:
    """`record`, from inside a run of a `gong_source` (each resource calls it before its
    first request, so a refused load asks Gong nothing)."""
    import dlt
    from dlt.extract.exceptions import CurrentSourceNotAvailable

    from dlt_gong.source import personal_of

    try:
        source = dlt.current.source()
    except CurrentSourceNotAvailable:  # a resource iterated alone, outside a load
        return
    record(dlt.current.source_state(), personal_of(source))
