"""Gong's items reshaped into table rows, keeping Gong's field names.

Only three reshapes happen, each so that a table has a plain primary key or a per-period
grain an analyst can sum:

* calls: `metaData` is lifted to the top level (`id`, `started`, ... become columns of
  `calls`); `parties`, `content`, `interaction`, `collaboration` stay nested and dlt turns
  their lists into child tables (`calls__parties`, ...).
* transcripts: one row per call; its monologues are flattened into `sentences`, each
  carrying its monologue's `speakerId` and `topic`, so `call_transcripts__sentences`
  joins straight to `calls__parties` on `speakerId`.
* stats: one row per user and period, with Gong's period bounds as dates in the company's
  time zone (Gong sends them as local midnights, e.g. `2026-06-01T00:00:00-07:00`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

Row = dict[str, Any]


def call_row(call: Mapping[str, Any]) -> Row:
    """A `calls` row: metaData lifted, the other sections kept as Gong sent them."""
    row: Row = dict(call.get("metaData") or {})
    for key, value in call.items():
        if key != "metaData":
            row[key] = value
    return row


def transcript_row(item: Mapping[str, Any], started: str | None) -> Row:
    """A `call_transcripts` row with its sentences in speaking order."""
    sentences = []
    for monologue in item.get("transcript") or []:
        for sentence in monologue.get("sentences") or []:
            sentences.append(
                {
                    "speakerId": monologue.get("speakerId"),
                    "topic": monologue.get("topic"),
                    "start": sentence.get("start"),
                    "end": sentence.get("end"),
                    "text": sentence.get("text"),
                }
            )
    return {"callId": item["callId"], "started": started, "sentences": sentences}


def local_date(value: str) -> date:
    """The calendar date of a Gong local-midnight timestamp (or a plain date)."""
    return date.fromisoformat(value[:10])


def period_rows(user: Mapping[str, Any], periods_key: str) -> Iterator[Row]:
    """One row per period of one user (aggregate-by-period and day-by-day)."""
    for period in user.get(periods_key) or []:
        row: Row = {"userId": user.get("userId"), "userEmailAddress": user.get("userEmailAddress")}
        row.update(period)
        row["fromDate"] = local_date(period["fromDate"])
        row["toDate"] = local_date(period["toDate"])
        yield row


def interaction_row(user: Mapping[str, Any], start: date, end: date, period: str) -> Row:
    """Interaction stats of one user for one requested period: Gong's answer carries no
    period of its own, so the row says which one it covers (`period`: DAY, WEEK, MONTH;
    `toDate` is cut at the window's end while the period is still in progress)."""
    row: Row = dict(user)
    row["fromDate"] = start
    row["toDate"] = end
    row["period"] = period
    return row


def child_rows(parent_key: str, parent_id: str, items: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Items fetched for one parent (a folder, a user), stamped with the parent's id."""
    return [{parent_key: parent_id, **item} for item in items]
