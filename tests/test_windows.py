"""Where runs start and end, and what gets saved: the rules that keep loads complete."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from dlt_gong.errors import GongConfigError
from dlt_gong.options import build_options
from dlt_gong.windows import (
    CallsWindow,
    DateWindow,
    FamilyProgress,
    advance_to,
    calls_positions,
    forget_finished_backfill,
    gong_datetime,
    next_period_start,
    parse_instant,
    period_spans,
    period_start,
)

UTC = timezone.utc
START = datetime(2026, 1, 1, tzinfo=UTC)


def test_first_run_starts_at_start_date() -> None:
    w = CallsWindow.plan({}, ["calls"], start=START, end=None, lookback=timedelta(days=3))
    assert (w.start, w.end, w.backfill) == (START, None, False)


def test_next_run_starts_lookback_before_the_saved_position() -> None:
    state = {"calls": "2026-03-10T12:00:00+00:00"}
    w = CallsWindow.plan(state, ["calls"], start=START, end=None, lookback=timedelta(days=3))
    assert w.start == datetime(2026, 3, 7, 12, tzinfo=UTC)


def test_least_advanced_member_wins_and_a_new_member_starts_at_start_date() -> None:
    state = {"calls": "2026-03-10T12:00:00+00:00", "call_transcripts": "2026-02-01T00:00:00Z"}
    both = ["calls", "call_transcripts"]
    w = CallsWindow.plan(state, both, start=START, end=None, lookback=timedelta(days=1))
    assert w.start == datetime(2026, 1, 31, tzinfo=UTC)
    w = CallsWindow.plan(
        {"calls": state["calls"]}, both, start=START, end=None, lookback=timedelta()
    )
    assert w.start == START


def test_a_backfill_resumes_its_own_window_exactly_without_lookback() -> None:
    end = datetime(2026, 2, 1, tzinfo=UTC)
    source_state: dict[str, Any] = {"calls_started": {"calls": "2026-03-10T00:00:00Z"}}
    positions = calls_positions(source_state, START, end)
    assert positions == {} and source_state["calls_backfills"] == {
        "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z": {}
    }
    w = CallsWindow.plan(positions, ["calls"], start=START, end=end, lookback=timedelta(days=3))
    assert (w.start, w.end, w.backfill) == (START, end, True)
    advance_to(positions, "calls", datetime(2026, 1, 20, tzinfo=UTC))
    w = CallsWindow.plan(positions, ["calls"], start=START, end=end, lookback=timedelta(days=3))
    assert w.start == datetime(2026, 1, 20, tzinfo=UTC)
    # an other window keeps its own positions; the incremental ones are untouched
    assert calls_positions(source_state, START, datetime(2026, 1, 15, tzinfo=UTC)) == {}
    assert source_state["calls_started"] == {"calls": "2026-03-10T00:00:00Z"}
    assert not forget_finished_backfill(source_state, START, end, ["calls"])
    advance_to(positions, "calls", end)
    assert forget_finished_backfill(source_state, START, end, ["calls"])
    assert "2026-01-01T00:00:00Z/2026-02-01T00:00:00Z" not in source_state["calls_backfills"]


def test_advance_compares_instants_not_strings() -> None:
    state: dict[str, Any] = {}
    # 10:00-07:00 is 17:00Z, later than 16:00Z although it sorts first as a string
    advance_to(state, "calls", parse_instant("2026-06-09T10:00:00-07:00"))
    advance_to(state, "calls", parse_instant("2026-06-09T16:00:00Z"))
    assert state == {"calls": "2026-06-09T17:00:00+00:00"}


def test_transcripts_move_only_when_every_page_up_to_the_sub_window_is_transcribed() -> None:
    state: dict[str, Any] = {}
    progress = FamilyProgress(state, ["calls", "call_transcripts"])
    first, second = datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)
    progress.page(["a", "b"])
    progress.page(["c"])
    progress.done(first)
    progress.page(["d"])
    progress.done(second)
    assert state == {"calls": second.isoformat()} and not progress.moved
    progress.transcribed(["c"])  # out of order: the first page is still missing
    progress.transcribed(["d"])
    assert "call_transcripts" not in state
    progress.transcribed(["a", "b"])
    assert state["call_transcripts"] == second.isoformat() and progress.moved


def test_only_the_selected_members_move() -> None:
    state: dict[str, Any] = {}
    progress = FamilyProgress(state, ["call_transcripts"])
    progress.page(["a"])
    progress.transcribed(["a"])
    progress.done(datetime(2026, 1, 2, tzinfo=UTC))
    assert state == {"call_transcripts": "2026-01-02T00:00:00+00:00"}


def test_gong_datetime_is_utc_iso() -> None:
    assert gong_datetime(datetime(2026, 6, 9, 10, tzinfo=timezone(timedelta(hours=-7)))) == (
        "2026-06-09T17:00:00Z"
    )


def test_stats_window_ends_yesterday_and_never_asks_from_equal_to() -> None:
    today = date(2026, 6, 10)
    w = DateWindow.plan({}, start=date(2026, 6, 1), end=None, lookback_days=3, today=today)
    assert w is not None and (w.start, w.end) == (date(2026, 6, 1), date(2026, 6, 9))
    assert (
        DateWindow.plan({}, start=date(2026, 6, 9), end=None, lookback_days=3, today=today) is None
    )


def test_stats_window_resumes_with_lookback_and_saves_only_finished_days() -> None:
    state: dict[str, Any] = {"last_date": "2026-06-05"}
    w = DateWindow.plan(state, start=date(2026, 6, 1), end=None, lookback_days=3,
                        today=date(2026, 6, 10))  # fmt: skip
    # the last 3 loaded days are read again
    assert w is not None and (w.start, w.end) == (date(2026, 6, 3), date(2026, 6, 9))
    assert w.days()[0] == date(2026, 6, 3) and len(w.days()) == 6
    w.complete(state, date(2026, 6, 8))
    assert state == {"last_date": "2026-06-08"}


def test_stats_backfill_keeps_no_state() -> None:
    state: dict[str, Any] = {}
    w = DateWindow.plan(state, start=date(2026, 6, 1), end=date(2026, 6, 3), lookback_days=3,
                        today=date(2026, 6, 10))  # fmt: skip
    assert w is not None and w.backfill
    w.complete(state, date(2026, 6, 2))
    assert state == {}


@pytest.mark.parametrize(
    ("period", "first", "following"),
    [
        ("DAY", date(2026, 5, 13), date(2026, 5, 14)),
        ("WEEK", date(2026, 5, 11), date(2026, 5, 18)),  # weeks start on Monday (spec)
        ("MONTH", date(2026, 5, 1), date(2026, 6, 1)),
        ("QUARTER", date(2026, 4, 1), date(2026, 7, 1)),
        ("YEAR", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_periods_are_gongs_calendar_periods(period: str, first: date, following: date) -> None:
    wednesday = date(2026, 5, 13)
    assert period_start(wednesday, period) == first
    assert next_period_start(wednesday, period) == following
    assert next_period_start(date(2026, 12, 31), period) > date(2026, 12, 31)


def test_period_spans_cut_only_the_last_period() -> None:
    assert period_spans(date(2026, 9, 28), date(2026, 10, 15), "WEEK") == [
        (date(2026, 9, 28), date(2026, 10, 5)),
        (date(2026, 10, 5), date(2026, 10, 12)),
        (date(2026, 10, 12), date(2026, 10, 15)),
    ]
    assert period_spans(date(2026, 11, 1), date(2027, 2, 10), "QUARTER") == [
        (date(2026, 11, 1), date(2027, 1, 1)),
        (date(2027, 1, 1), date(2027, 2, 10)),
    ]


def test_stats_window_starts_on_its_period_so_no_period_is_clipped_at_the_start() -> None:
    today = date(2026, 6, 12)  # a Friday
    state: dict[str, Any] = {"last_date": "2026-06-10"}
    resumed = DateWindow.plan(state, start=date(2026, 1, 14), end=None, lookback_days=3,
                              today=today, period="WEEK")  # fmt: skip
    # the re-read would start on Monday's Tuesday (June 9th): it starts on Monday instead,
    # and the week in progress ends at yesterday, to be read again whole next week
    assert resumed == DateWindow(date(2026, 6, 8), date(2026, 6, 11), False, resumed=True)
    first = DateWindow.plan({}, start=date(2026, 2, 17), end=None, lookback_days=3,
                            today=today, period="QUARTER")  # fmt: skip
    assert first == DateWindow(date(2026, 1, 1), date(2026, 6, 11), False, resumed=False)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"start_date": "2024-13-01"}, "start_date '2024-13-01' is not a date: use YYYY-MM-DD or an ISO-8601 date-time"),
        ({"start_date": "2024-05-01", "end_date": "2024-04-01"}, "start_date 2024-05-01T00:00:00+00:00 is not before end_date 2024-04-01T00:00:00+00:00"),
        ({"resources": ["calls", "emails"]}, "resources 'calls,emails' names no table 'emails': choose from users, workspaces, calls, call_transcripts, call_transcript_sentences, call_transcript_turns, call_transcript_text, call_transcript_chunks, call_speaker_stats, call_interaction, aggregated_activity, day_by_day_activity, interaction_stats, answered_scorecards, scorecards, trackers, library_folders, library_folder_calls, user_settings_history, call_outcomes, audit_logs, coaching_metrics, flows, flow_folders, flow_steps, permission_profiles, permission_profile_users, crm_integrations, crm_entity_schemas, call_user_access, briefs, engage_tasks"),
        ({"start_date": "2026-06-01", "end_date": "2026-07-01"}, "end_date 2026-07-01 is in the future; Gong's stats cover only past days: leave end_date out for an incremental load"),
        ({"aggregation_period": "fortnight"}, "aggregation_period 'fortnight' is not one of DAY, WEEK, MONTH, QUARTER, YEAR"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line_errors(kw: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {
        "start_date": None, "end_date": None, "lookback_days": 3, "stats_lookback_days": 3,
        "workspace_id": None, "user_ids": None, "resources": None, "content_selector": None,
        "include_private_calls": False, "aggregation_period": "DAY",
    }  # fmt: skip
    args.update(kw)
    with pytest.raises(GongConfigError) as err:
        build_options(**args, today=date(2026, 6, 10))
    assert str(err.value) == message
