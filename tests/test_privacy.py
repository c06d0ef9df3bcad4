"""The privacy rules and the hashing of personal data, value by value."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone

import pytest

from dlt_gong.errors import GongConfigError
from dlt_gong.options import build_options, check_exclude_domains, check_personal_data_key
from dlt_gong.personal_data import PersonalData, refuse_mixing
from dlt_gong.privacy import call_rules, check_exclude_titles

KEY = "0123456789abcdef-key"
BASE = dict(
    start_date=None, end_date=None, lookback_days=3, stats_lookback_days=3, workspace_id=None,
    user_ids=None, resources=None, content_selector=None, include_private_calls=False,
    aggregation_period="DAY", now="2026-06-15T17:30:00Z",
)  # fmt: skip


def digest(value: str) -> str:
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def test_titles_are_searched_case_insensitively_and_a_string_is_one_expression() -> None:
    assert check_exclude_titles("a{1,3}") == ("a{1,3}",)  # commas belong to the expression
    assert check_exclude_titles('["^interview", "1:1"]') == ("^interview", "1:1")
    assert check_exclude_titles("[a-z]+ review") == ("[a-z]+ review",)  # not JSON: one
    rules = call_rules(check_exclude_titles(["^interview", "1:1"]), ())
    assert rules.excludes({"title": "INTERVIEW: Ada (AE)"})
    assert rules.excludes({"title": "Team 1:1"})
    assert not rules.excludes({"title": "Acme <> Us | Interview prep"})
    assert not rules.excludes({"title": None})
    with pytest.raises(GongConfigError, match="is not a regular expression"):
        check_exclude_titles(["(unclosed"])


def test_domains_cover_their_subdomains_and_addresses_are_whole() -> None:
    rules = call_rules((), check_exclude_domains("Gmail.com, @yahoo.com,CEO@example.com"))
    assert rules.domains == {"gmail.com", "yahoo.com"} and rules.addresses == {"ceo@example.com"}

    def party(email: str | None) -> dict[str, object]:
        return {
            "title": "Call",
            "parties": [{"emailAddress": "me@us.com"}, {"emailAddress": email}],
        }

    assert rules.excludes(party("Jo@GMAIL.com"))
    assert rules.excludes(party("jo@mail.gmail.com"))
    assert not rules.excludes(party("jo@notgmail.com"))
    assert rules.excludes(party("ceo@example.com"))
    assert not rules.excludes(party("cfo@example.com"))
    assert not rules.excludes(party(None))
    for wrong in ("gmail", "a b@c.com", "@", "x@"):
        with pytest.raises(GongConfigError):
            check_exclude_domains(wrong)


def test_a_retention_moves_an_incremental_start_and_refuses_an_older_backfill() -> None:
    options = build_options(**BASE, retention_days=10)
    assert options.start == datetime(2026, 6, 5, 17, 30, tzinfo=timezone.utc)
    assert options.retained_from == options.start
    with pytest.raises(GongConfigError, match="is older than retention_days 10 keeps"):
        build_options(**{**BASE, "start_date": "2026-05-01", "end_date": "2026-06-01"},
                      retention_days=10)  # fmt: skip
    assert build_options(**BASE).retained_from is None


def test_addresses_and_phone_numbers_are_hashed_wherever_they_are() -> None:
    personal = PersonalData(KEY)
    row = {
        "emailAddress": " Ada@Example.COM ",
        "phoneNumber": "+1 415-555-0134",
        "emailAliases": ["ada.l@example.com"],
        "firstName": "Ada",
        "emailsImported": True,
        "started": "2026-06-15T17:30:00+00:00",
        "id": "1234567890123456789",
        "parties": [{"name": "Ada", "emailAddress": "ada@example.com", "phoneNumber": None}],
        "text": "Mail ada@example.com or call (415) 555-0134 / +14155550134 on 2026-06-15.",
    }
    found = personal.scrub(row)
    email = digest("ada@example.com")
    phone = digest("+14155550134")
    assert found["emailAddress"] == email == found["parties"][0]["emailAddress"]
    assert found["phoneNumber"] == phone
    assert found["emailAliases"] == [digest("ada.l@example.com")]
    assert found["text"] == f"Mail {email} or call {digest('4155550134')} / {phone} on 2026-06-15."
    kept = ("firstName", "emailsImported", "started", "id")
    assert {k: found[k] for k in kept} == {k: row[k] for k in kept}
    assert found["parties"][0]["name"] == "Ada" and row["emailAddress"] == " Ada@Example.COM "
    assert personal.scrub(found) == found  # a hash is never hashed again
    assert personal.original(email) == "ada@example.com"


def test_names_are_hashed_only_when_asked() -> None:
    personal = PersonalData(KEY, names=True)
    found = personal.scrub({"firstName": "Ada", "parties": [{"name": "Ada Lovelace",
                            "emailAddress": None}], "fields": [{"name": "Email", "value": 1}]})  # fmt: skip
    assert found["firstName"] == digest("Ada")
    assert found["parties"][0]["name"] == digest("Ada Lovelace")
    assert found["fields"][0]["name"] == "Email"  # not a person


def test_the_key_is_required_long_and_never_shown() -> None:
    options = build_options(**BASE, hash_personal_data=True)
    with pytest.raises(GongConfigError, match="no key is configured"):
        check_personal_data_key(options, None)
    with pytest.raises(GongConfigError) as short:
        check_personal_data_key(options, "hunter2")
    assert "hunter2" not in str(short.value)
    assert check_personal_data_key(build_options(**BASE), None) is None


def test_a_dataset_never_mixes_raw_and_hashed_data() -> None:
    hashed, other = PersonalData(KEY), PersonalData(KEY + "!")
    loaded = {"resources": {"calls": {"x": 1}}}
    refuse_mixing({}, hashed)  # a first run: anything goes
    refuse_mixing(loaded, None)  # raw as before
    with pytest.raises(GongConfigError, match="loaded without hashing"):
        refuse_mixing(loaded, hashed)
    state = {**loaded, "personal_data": "hashed:" + hashed.fingerprint}
    refuse_mixing(state, hashed)
    with pytest.raises(GongConfigError, match="hash_personal_data is off"):
        refuse_mixing(state, None)
    with pytest.raises(GongConfigError, match="not the key"):
        refuse_mixing(state, other)
    with pytest.raises(GongConfigError, match="hash_names is true"):
        refuse_mixing(state, PersonalData(KEY, names=True))


def test_an_arrow_tables_text_columns_are_scrubbed_as_row_fields_would_be() -> None:
    """A table handed to dlt as an Arrow table (`call_transcript_sentences`) is scrubbed
    column by column: free text, and a column named for a phone number, whole."""
    import pyarrow as pa

    personal = PersonalData("k" * 32)
    table = pa.table(
        {
            "call_id": ["1", "2"],
            "text": ["write to Ann@Acme.com", "call (415) 555-0134 now"],
            "phone": ["415 555 0134", None],
            "start": [1, 2],
        }
    )
    scrubbed = personal.scrub(table)
    assert scrubbed.schema == table.schema
    assert scrubbed.to_pylist() == [
        {"call_id": "1", "text": f"write to {personal.email('ann@acme.com')}",
         "phone": personal.phone("415 555 0134"), "start": 1},
        {"call_id": "2", "text": f"call {personal.phone('(415) 555-0134')} now",
         "phone": None, "start": 2},
    ]  # fmt: skip
    assert table.column("text")[0].as_py() == "write to Ann@Acme.com"  # a new table
