"""Calls, extensive calls and transcripts: filters, content selection, privacy, transcripts."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sandbox_helpers import ALL_CONTENT, errors, get, pages, post

from dlt_gong.sandbox.timeutil import parse_date_time

NO_CALLS = ["No calls found corresponding to the provided filters"]
ISO_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d")


def _extensive_ids(sb, flt, selector=None):
    body = {"filter": flt}
    if selector is not None:
        body["contentSelector"] = selector
    r = post(sb, "/v2/calls/extensive", body)
    if r.status_code == 404:
        assert errors(r) == NO_CALLS
        return []
    assert r.status_code == 200, r.text
    ids = []
    for page in pages(sb, "POST", "/v2/calls/extensive", body):
        ids.extend(c["metaData"]["id"] for c in page["calls"])
    return ids


def test_from_is_inclusive_and_to_exclusive_at_the_exact_instant(sandbox):
    calls = sandbox.company.calls_basic()
    call = calls[len(calls) // 2]
    started = parse_date_time(call["started"])
    as_utc = started.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    one_second = timedelta(seconds=1)
    for value in (call["started"], as_utc):  # with the company offset, and as Z
        assert _extensive_ids(sandbox, {"fromDateTime": value, "toDateTime": value}) == []
        ids = _extensive_ids(
            sandbox, {"fromDateTime": value, "toDateTime": (started + one_second).isoformat()}
        )
        assert ids == [call["id"]]
        r = get(sandbox, "/v2/calls", fromDateTime=(started - one_second).isoformat(),
                toDateTime=value)  # fmt: skip
        assert r.status_code == 404 and errors(r) == NO_CALLS
        r = get(sandbox, "/v2/calls", fromDateTime=value,
                toDateTime=(started + one_second).isoformat())  # fmt: skip
        assert [c["id"] for c in r.json()["calls"]] == [call["id"]]


def test_date_range_matches_ground_truth(sandbox):
    flt = {"fromDateTime": "2026-05-01T00:00:00-07:00", "toDateTime": "2026-05-15T00:00:00Z"}
    expected = sandbox.company.calls(flt["fromDateTime"], flt["toDateTime"]).ids()
    assert 50 < len(expected) < 400
    assert _extensive_ids(sandbox, flt) == expected
    r = get(sandbox, "/v2/calls", **flt)
    assert r.json()["records"]["totalRecords"] == len(expected)
    starts = [parse_date_time(c["started"]) for c in sandbox.company.calls_basic(**{
        "from_dt": flt["fromDateTime"], "to_dt": flt["toDateTime"]})]  # fmt: skip
    assert starts == sorted(starts)
    assert starts[0] >= parse_date_time(flt["fromDateTime"])
    assert starts[-1] < parse_date_time(flt["toDateTime"])


def test_call_ids_primary_users_and_workspace_combine(sandbox):
    company = sandbox.company
    every = company.calls_basic()
    picked = [every[i] for i in (3, 50, 51, 200, 400)]
    ids = [c["id"] for c in picked]
    assert _extensive_ids(sandbox, {"callIds": ids}) == ids
    assert _extensive_ids(sandbox, {"callIds": [*ids, "1234567890123456789"]}) == ids
    assert _extensive_ids(sandbox, {"callIds": ["1234567890123456789"]}) == []
    # with a date range: only those inside it
    cut = picked[2]["started"]
    assert _extensive_ids(sandbox, {"callIds": ids, "toDateTime": cut}) == ids[:2]
    host = picked[0]["primaryUserId"]
    hosted = [c["id"] for c in every if c["primaryUserId"] == host]
    assert _extensive_ids(sandbox, {"primaryUserIds": [host]}) == hosted
    assert _extensive_ids(sandbox, {"primaryUserIds": [host], "callIds": ids}) == [
        i for i in ids if i in hosted
    ]
    for ws in company.workspaces():
        in_ws = [c["id"] for c in every if c["workspaceId"] == ws["id"]]
        assert in_ws and _extensive_ids(sandbox, {"workspaceId": ws["id"]}) == in_ws
        r = get(sandbox, "/v2/calls", workspaceId=ws["id"])
        assert r.json()["records"]["totalRecords"] == len(in_ws)
    assert _extensive_ids(sandbox, {"workspaceId": "1000000000000000000"}) == []


@pytest.mark.parametrize(
    "value", ["2026-05-01", "yesterday", "2026-05-01T00:00:00", "2026-13-01T00:00:00Z"]
)
def test_invalid_date_times_are_400(sandbox, value):
    r = post(sandbox, "/v2/calls/extensive", {"filter": {"fromDateTime": value}})
    assert r.status_code == 400
    assert errors(r) == [
        f"Invalid fromDateTime: expected an ISO-8601 date-time with an offset, got {value!r}"
    ]
    assert get(sandbox, "/v2/calls", toDateTime=value).status_code == 400


def test_no_calls_is_gongs_404(sandbox):
    for r in (
        get(
            sandbox,
            "/v2/calls",
            fromDateTime="2020-01-01T00:00:00Z",
            toDateTime="2020-02-01T00:00:00Z",
        ),
        post(sandbox, "/v2/calls/extensive", {"filter": {"toDateTime": "2020-01-01T00:00:00Z"}}),
        post(sandbox, "/v2/calls/transcript", {"filter": {"callIds": ["12345"]}}),
    ):
        assert r.status_code == 404
        assert errors(r) == NO_CALLS


def test_without_selector_only_metadata(sandbox):
    body = post(sandbox, "/v2/calls/extensive", {"filter": {}}).json()
    assert all(set(c) == {"metaData"} for c in body["calls"])
    meta = body["calls"][0]["metaData"]
    assert list(meta) == [
        "id", "url", "title", "scheduled", "started", "duration", "primaryUserId", "direction",
        "system", "scope", "media", "language", "workspaceId", "sdrDisposition",
        "clientUniqueId", "customData", "purpose", "meetingUrl", "isPrivate", "calendarEventId",
    ]  # fmt: skip
    assert re.fullmatch(r"[1-9]\d{18}", meta["id"])
    assert ISO_OFFSET.fullmatch(meta["started"])


def test_content_selector_decides_sections(sandbox):
    company = sandbox.company
    public = [c for c in company.calls_basic() if not c["isPrivate"]][:20]
    ids = [c["id"] for c in public]

    def first(selector):
        r = post(
            sandbox,
            "/v2/calls/extensive",
            {"filter": {"callIds": ids}, "contentSelector": selector},
        )
        assert r.status_code == 200
        return r.json()["calls"]

    assert all(
        set(c) == {"metaData", "parties"} for c in first({"exposedFields": {"parties": True}})
    )
    calls = first({"context": "Basic"})
    assert all(set(c) == {"metaData", "context"} for c in calls)
    objects = [o for c in calls for ctx in c["context"] for o in ctx["objects"]]
    assert objects and all("fields" not in o and o["timing"] == "Now" for o in objects)
    calls = first({"context": "Extended", "contextTiming": ["TimeOfCall"]})
    objects = [o for c in calls for ctx in c["context"] for o in ctx["objects"]]
    assert objects and all(o["fields"] and o["timing"] == "TimeOfCall" for o in objects)
    calls = first({"exposedFields": {"content": {"topics": True, "brief": True}}})
    assert all(set(c) == {"metaData", "content"} and set(c["content"]) == {"topics", "brief"}
               for c in calls)  # fmt: skip
    calls = first({"exposedFields": {"content": {"trackers": True}}})
    trackers = [t for c in calls for t in c["content"]["trackers"]]
    assert trackers and all("occurrences" not in t for t in trackers)
    calls = first({"exposedFields": {"content": {"trackers": True, "trackerOccurrences": True}}})
    trackers = [t for c in calls for t in c["content"]["trackers"]]
    assert all(len(t["occurrences"]) == t["count"] for t in trackers)
    calls = first({"exposedFields": {"interaction": {"speakers": True, "questions": True}}})
    assert all(set(c["interaction"]) == {"speakers", "questions"} for c in calls)
    calls = first({"exposedFields": {"collaboration": {"publicComments": True}}})
    assert all(set(c) == {"metaData", "collaboration"} for c in calls)
    calls = first(ALL_CONTENT)
    assert all(set(c) == {"metaData", "context", "parties", "content", "interaction",
                          "collaboration"} for c in calls)  # fmt: skip
    assert company.calls(call_ids=ids, content_selector=ALL_CONTENT)[:] == calls


def test_invalid_content_selector_is_400(sandbox):
    for selector in ({"context": "Everything"}, {"exposedFields": {"parties": "yes"}},
                     {"contextTiming": ["Later"], "context": "Extended"}):  # fmt: skip
        r = post(sandbox, "/v2/calls/extensive", {"filter": {}, "contentSelector": selector})
        assert r.status_code == 400


def test_private_calls_are_listed_but_withheld(sandbox):
    company = sandbox.company
    every = company.calls_basic()
    private = [c["id"] for c in every if c["isPrivate"]]
    public = [c["id"] for c in every if not c["isPrivate"]]
    assert 0.01 < len(private) / len(every) < 0.12
    full = {**ALL_CONTENT, "exposedFields": {**ALL_CONTENT["exposedFields"], "media": True}}
    body = {"filter": {"callIds": private + public[:5]}, "contentSelector": full}
    calls = post(sandbox, "/v2/calls/extensive", body).json()["calls"]
    for call in calls:
        if call["metaData"]["isPrivate"]:
            assert set(call) == {"metaData", "context", "parties"}
        else:
            assert {"content", "interaction", "collaboration", "media"} <= set(call)
    assert get(sandbox, "/v2/calls").json()["records"]["totalRecords"] == len(every)
    r = post(sandbox, "/v2/calls/transcript", {"filter": {"callIds": private}})
    assert r.status_code == 404 and errors(r) == NO_CALLS
    both = post(sandbox, "/v2/calls/transcript", {"filter": {"callIds": private + public[:3]}})
    assert [t["callId"] for t in both.json()["callTranscripts"]] == public[:3]
    all_transcripts = company.transcripts().ids()
    assert all_transcripts == public


def test_transcript_speakers_are_the_parties_speakers(sandbox):
    company = sandbox.company
    ids = [c["id"] for c in company.calls_basic() if not c["isPrivate"]][:60]
    parties = {
        c["metaData"]["id"]: c["parties"]
        for c in company.calls(call_ids=ids, content_selector={"exposedFields": {"parties": True}})
    }
    r = post(sandbox, "/v2/calls/transcript", {"filter": {"callIds": ids}})
    transcripts = r.json()["callTranscripts"]
    assert [t["callId"] for t in transcripts] == ids
    meta = {c["id"]: c for c in company.calls_basic()}
    for item in transcripts:
        speakers = {p["speakerId"] for p in parties[item["callId"]] if p["speakerId"]}
        assert {m["speakerId"] for m in item["transcript"]} == speakers
        duration_ms = meta[item["callId"]]["duration"] * 1000
        sentences = [s for m in item["transcript"] for s in m["sentences"]]
        assert all(0 <= s["start"] < s["end"] <= duration_ms for s in sentences)
        assert [s["start"] for s in sentences] == sorted(s["start"] for s in sentences)
        per_minute = len(sentences) / (duration_ms / 60000)
        if duration_ms > 2 * 60000:  # shorter calls are mostly greetings
            assert 4 <= per_minute <= 11  # quick back-and-forths of one-word replies


def test_transcripts_by_date_range_and_workspace(sandbox):
    company = sandbox.company
    ws = company.workspaces()[1]["id"]
    flt = {"fromDateTime": "2026-05-01T00:00:00Z", "toDateTime": "2026-06-01T00:00:00Z",
           "workspaceId": ws}  # fmt: skip
    expected = company.transcripts(flt["fromDateTime"], flt["toDateTime"], ws).ids()
    got = [t["callId"] for p in pages(sandbox, "POST", "/v2/calls/transcript", {"filter": flt})
           for t in p["callTranscripts"]]  # fmt: skip
    assert got == expected and len(got) > 10


def test_interaction_speakers_talk_time_comes_from_the_transcript(sandbox):
    company = sandbox.company
    call_id = next(c["id"] for c in company.calls_basic() if not c["isPrivate"])
    selector = {"exposedFields": {"interaction": {"speakers": True}, "parties": True}}
    call = company.calls(call_ids=[call_id], content_selector=selector)[0]
    transcript = company.transcripts(call_ids=[call_id])[0]["transcript"]
    by_party = {p["id"]: p["speakerId"] for p in call["parties"]}
    for speaker in call["interaction"]["speakers"]:
        spoken = sum(s["end"] - s["start"] for m in transcript
                     if m["speakerId"] == by_party[speaker["id"]] for s in m["sentences"])  # fmt: skip
        assert speaker["talkTime"] == round(spoken / 1000, 2)


def test_timestamps_carry_the_company_offset_across_dst(make_sandbox):
    sb = make_sandbox(now=datetime(2026, 3, 20, 17, 0, tzinfo=timezone.utc), days=30, calls=200)
    offsets = {c["started"][-6:] for c in sb.company.calls_basic()}
    assert offsets == {"-08:00", "-07:00"}  # DST began on 2026-03-08 in Los Angeles
    for call in sb.company.calls_basic():
        local = parse_date_time(call["started"])
        winter = local < datetime(2026, 3, 8, 10, 0, tzinfo=timezone.utc)
        assert call["started"].endswith("-08:00" if winter else "-07:00")
    user = sb.company.users()[0]
    assert re.fullmatch(r".*T\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", user["created"])
