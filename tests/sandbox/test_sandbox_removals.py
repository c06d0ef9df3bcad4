"""The sandbox loses calls and settings rows as its clock moves, deterministically."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contract_watch import TEST_NOW
from dlt_gong.options import ALL_CONTENT
from dlt_gong.sandbox import SandboxConfig
from dlt_gong.sandbox.company import Company
from dlt_gong.sandbox.errors import NotFoundError

BASE = {"seed": 5, "users": 20, "calls": 300, "days": 30, "now": TEST_NOW, "freeze_clock": True}
REMOVING = {**BASE, "deleted_call_rate": 0.1, "privatized_call_rate": 0.1,
            "removed_settings_rate": 0.3, "removals_within_days": 3}  # fmt: skip
START = TEST_NOW - timedelta(days=30)
LATER = TEST_NOW + timedelta(days=3)


def test_nothing_is_removed_by_default() -> None:
    company = Company(SandboxConfig(**BASE))
    assert not company.removals.any_call
    now = set(company.calls_basic(START, TEST_NOW).ids())
    assert now <= set(company.calls_basic(START, TEST_NOW, as_of=LATER).ids())
    assert company.trackers(as_of=LATER) == company.trackers()
    assert company.users(as_of=LATER) == company.users()


def test_calls_are_deleted_or_made_private_after_the_clock_starts() -> None:
    company = Company(SandboxConfig(**REMOVING))
    now_ids = set(company.calls_basic(START, TEST_NOW).ids())
    later = {c["id"]: c for c in company.calls_basic(START, TEST_NOW, as_of=LATER)}
    deleted = now_ids - set(later)
    private_now = {c["id"] for c in company.calls_basic(START, TEST_NOW) if c["isPrivate"]}
    privatized = {i for i, c in later.items() if c["isPrivate"]} - private_now
    assert 10 <= len(deleted) <= 60 and 10 <= len(privatized) <= 60
    # extensive: deleted calls gone, privatized ones flagged with their content withheld
    extensive = {c["metaData"]["id"]: c
                 for c in company.calls(START, TEST_NOW, content_selector=ALL_CONTENT,
                                        as_of=LATER)}  # fmt: skip
    assert set(extensive) == set(later)
    for call_id in privatized:
        assert extensive[call_id]["metaData"]["isPrivate"] is True
        assert set(extensive[call_id]) <= {"metaData", "context", "parties"}
    transcripts = set(company.transcripts(START, TEST_NOW, as_of=LATER).ids())
    assert not transcripts & (deleted | privatized | private_now)
    # and nothing of it before the clock's start
    assert set(company.calls_basic(START, TEST_NOW, as_of=TEST_NOW).ids()) == now_ids


def test_removals_are_the_same_for_the_same_config() -> None:
    a, b = Company(SandboxConfig(**REMOVING)), Company(SandboxConfig(**REMOVING))
    assert (
        a.calls_basic(START, None, as_of=LATER).ids()
        == b.calls_basic(START, None, as_of=LATER).ids()
    )
    assert a.users(as_of=LATER) == b.users(as_of=LATER)


def test_settings_rows_are_removed_as_the_clock_moves() -> None:
    company = Company(SandboxConfig(**REMOVING))
    for listing in (company.users, company.trackers, company.scorecards,
                    company.library_folders):  # fmt: skip
        before, after = listing(), listing(as_of=LATER)
        assert len(after) < len(before), listing.__name__
        assert all(row in before for row in after)
    gone = [f for f in company.library_folders() if f not in company.library_folders(as_of=LATER)]
    with pytest.raises(NotFoundError):
        company.library_folder_content(gone[0]["id"], as_of=LATER)

    def entries(as_of: object) -> set[str]:
        return {
            f"{f['id']}/{c['id']}"
            for f in company.library_folders(as_of=LATER)
            for c in company.library_folder_content(f["id"], as_of=as_of)["calls"]
        }

    assert entries(TEST_NOW) - entries(LATER)
