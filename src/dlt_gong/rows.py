"""Gong's items reshaped into table rows, keeping Gong's field names.

Only three reshapes happen, each so that a table has a plain primary key or a per-period
grain an analyst can sum:

* calls: `metaData` is lifted to the top level (`id`, `started`, ... become columns of
  `calls`); `parties`, `content`, `interaction`, `collaboration` stay nested and dlt turns
  their lists into child tables (`calls__parties`, ...).
* transcripts: one row per call; its monologues are flattened into `sentences`, each
  carrying its monologue's `speakerId` and `topic`, for the tables built from them:
  `call_transcript_sentences` (`sentences.py`) joins straight to `calls__parties` on
  `speaker_id`.
* stats: one row per user and period, with Gong's period bounds as dates in the company's
  time zone (Gong sends them as local midnights, e.g. `2026-06-01T00:00:00-07:00`).
"""

from __future__ import annotations

import hashlib
import json
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


def entry_key(entry: Mapping[str, Any]) -> str:
    """A key for an item Gong gives no id (an audit log entry): the hash of its content.

    Reading the same entry again (the lookback) gives the same key, so merge keeps one row;
    Gong promises no id for log entries (spec), and `logRecord` is free-form."""
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def log_row(entry: Mapping[str, Any]) -> list[Row]:
    """An `audit_logs` row: the entry, keyed by its content (see `entry_key`)."""
    return [{"entryKey": entry_key(entry), **entry}]


def schema_field_rows(body: Mapping[str, Any]) -> list[Row]:
    """`crm_entity_schemas` rows: one per field of each object type in the answer."""
    return [
        {"objectType": object_type, **field}
        for object_type, fields in (body.get("objectTypeToSelectedFields") or {}).items()
        for field in fields or []
    ]


def flow_step_rows(flow: Mapping[str, Any]) -> list[Row]:
    """`flow_steps` rows: each step of a flow, with its flow's id."""
    return [{"flowId": flow.get("id"), **step} for step in flow.get("steps") or []]


def call_access_row(item: Mapping[str, Any]) -> list[Row]:
    """A `call_user_access` row per call; its users become a child table."""
    return [{"callId": item["callId"], "users": item.get("users") or []}]


def transcript_rows(item: Mapping[str, Any]) -> list[Row]:
    """`transcript_row` for the call-page builder, which adds the call's `started`."""
    return [transcript_row(item, None)]


def coaching_rows(item: Mapping[str, Any]) -> list[Row]:
    """`coaching_metrics` rows: one per direct report of the manager, with the ids a key
    needs lifted (`managerId`, `reportId`)."""
    manager = item.get("manager") or {}
    return [
        {
            "managerId": manager.get("id"),
            "reportId": (rep.get("report") or {}).get("id"),
            "manager": manager,
            **rep,
        }
        for rep in item.get("directReportsMetrics") or []
    ]
