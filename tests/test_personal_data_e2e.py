"""Personal data hashed before anything is written, end to end against the sandbox: no raw
email address or phone number of the company in any table or any file of the pipeline's
working folder, the joins as unhashed, names hashed only when asked, and a dataset never
holding raw and hashed rows together.

The sandbox company has parties who joined from personal mail domains, and email addresses
and phone numbers said in transcripts (`dlt_gong.sandbox.sensitive`).
"""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from contract_watch import TEST_NOW
from dlt_gong import runner
from dlt_gong.errors import GongConfigError
from dlt_gong.personal_data import EMAIL, PHONE
from dlt_gong.sandbox import RunningSandbox, SandboxConfig, run_sandbox
from dlt_gong.sandbox.sensitive import PERSONAL_DOMAINS
from dlt_gong.tables import TABLES
from e2e_helpers import credentials, load, pipeline, rows

DAYS = 14
START = (TEST_NOW - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
KEY = "a-long-random-key-for-tests-0f3c9a"


@pytest.fixture(scope="module")
def sb() -> Iterator[RunningSandbox]:
    """A small company: every table is loaded twice (raw and hashed) per destination."""
    config = SandboxConfig(seed=11, users=10, calls=100, days=DAYS, now=TEST_NOW,
                           freeze_clock=True, rate_limit_per_second=None,
                           daily_quota=None)  # fmt: skip
    with run_sandbox(config) as running:
        yield running


def raw_values(p: dlt.Pipeline) -> set[str]:
    """Every email address and phone number in a dataset loaded without hashing."""
    found: set[str] = set()
    for text in strings(p):
        found.update(m.group(0) for m in EMAIL.finditer(text))
        found.update(m.group(0) for m in PHONE.finditer(text))
    return found


def strings(p: dlt.Pipeline) -> Iterator[str]:
    schema = p.default_schema
    for table in schema.data_table_names():
        columns = [c for c, h in schema.get_table_columns(table).items()
                   if h.get("data_type") == "text"]  # fmt: skip
        if columns:
            for row in rows(p, f"select {', '.join(columns)} from {table}"):
                yield from (v for v in row if isinstance(v, str))


def files_text(folder: Path) -> Iterator[tuple[Path, str]]:
    for root, _, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            yield path, data.decode("latin-1")


EVERY_TABLE = [t.name for t in TABLES]


def test_personal_data_is_hashed_before_anything_is_written(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    raw = make_pipeline("raw")
    load(raw, sb, start_date=START.isoformat(), resources=EVERY_TABLE)
    company = sb.company
    users = company.users()
    values = raw_values(raw)
    assert {u["emailAddress"] for u in users} <= values
    assert {u["phoneNumber"] for u in users if u.get("phoneNumber")} <= values
    assert any(v.endswith("@" + d) for v in values for d in PERSONAL_DOMAINS)
    said = [t for t in strings(raw) if "You can email me at" in t or "My number is" in t]
    assert said  # addresses and numbers spoken in transcripts

    p = make_pipeline("hashed")
    load(p, sb, start_date=START.isoformat(), resources=EVERY_TABLE,
         hash_personal_data=True, personal_data_key=KEY)  # fmt: skip
    for text in strings(p):
        assert not EMAIL.search(text) and not PHONE.search(text), text
        assert not any(v in text for v in values if len(v) > 6), text
    for path, text in files_text(Path(p.working_dir)):
        assert not any(v in text for v in values), path
    # rows of the same tables, and the same joins as unhashed
    for table in ("users", "calls", "calls__parties", "call_transcript_sentences", "flows"):
        assert rows(p, f"select count(*) from {table}") == rows(
            raw, f"select count(*) from {table}"
        )
    join = ("select count(*) from calls__parties p join users u "
            "on p.email_address = u.email_address")  # fmt: skip
    assert rows(p, join) == rows(raw, join) and rows(p, join)[0][0] > 0
    names = "select count(*) from users where first_name is not null"
    assert rows(p, names) == rows(raw, names)  # names stay without hash_names


NAMED = {
    "calls__parties": ["name"],
    "call_transcript_turns": ["speaker_name", "text"],
    "call_speaker_stats": ["speaker_name"],
    "call_transcript_text": ["participants", "text"],
    "call_transcript_chunks": ["speakers"],  # its text opens with the title, free text
}
"""Where a load writes people's names: the parties, and every table derived from a
transcript, which names its speakers."""
NAMED_TABLES = ["calls", *list(NAMED)[1:]]


def test_hash_names_hashes_every_speakers_name_in_the_transcript_tables(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline]
) -> None:
    raw = make_pipeline("raw_names")
    load(raw, sb, start_date=START.isoformat(), resources=NAMED_TABLES)
    people = {name for (name,) in rows(raw, "select distinct name from calls__parties")
              if name and " " in name}  # fmt: skip
    spoken = rows(raw, "select distinct speaker_name from call_speaker_stats")
    assert people and people & {name for (name,) in spoken}
    p = make_pipeline("hashed_names")
    load(p, sb, start_date=START.isoformat(), resources=NAMED_TABLES, hash_personal_data=True,
         hash_names=True, personal_data_key=KEY)  # fmt: skip
    for table, columns in NAMED.items():
        if table != "call_transcript_chunks":  # a hash is one word, a name two: chunks differ
            counted = f"select count(*) from {table}"
            assert rows(p, counted) == rows(raw, counted), table
        for row in rows(p, f"select {', '.join(columns)} from {table}"):
            said = [name for value in row if value for name in people if name in value]
            assert not said, (table, said)
    join = ("select count(*) from call_speaker_stats s join calls__parties p "
            "on s.speaker_name = p.name")  # fmt: skip
    assert rows(p, join) == rows(raw, join) and rows(p, join)[0][0] > 0


def test_hashing_is_refused_for_a_raw_dataset_unless_reloaded(
    sb: RunningSandbox, make_pipeline: Callable[..., dlt.Pipeline], tmp_path: Path
) -> None:
    p = make_pipeline("refused")
    kw: dict[str, Any] = dict(destination=p.destination, dataset_name=p.dataset_name,
                              pipeline_name=p.pipeline_name, pipelines_dir=p.pipelines_dir,
                              credentials=credentials(sb), base_url=sb.url, now=sb.clock.now(),
                              requests_per_second=None, start_date=START.isoformat(),
                              resources=["users", "calls"])  # fmt: skip
    runner.run_pipeline(**kw)
    sb.reset_stats()
    # on a machine that kept nothing of the first run too: the dataset itself says it
    fresh = {**kw, "pipelines_dir": str(tmp_path / "fresh")}
    with pytest.raises(GongConfigError, match="hash_personal_data is true, but this dataset "
                       "holds personal data loaded without hashing"):  # fmt: skip
        runner.run_pipeline(**fresh, hash_personal_data=True, personal_data_key=KEY)
    assert sb.stats()["requests"] == 1  # the credentials' proof, nothing else
    sb.reset_stats()
    with pytest.raises(GongConfigError, match="hash_personal_data is true, but this dataset "
                       "holds personal data loaded without hashing"):  # fmt: skip
        runner.run_pipeline(**kw, hash_personal_data=True, personal_data_key=KEY)
    assert sb.stats()["requests"] == 1  # the credentials' proof, nothing else
    report = runner.run_pipeline(**kw, hash_personal_data=True, personal_data_key=KEY,
                                 full_reload=True)  # fmt: skip
    assert report.reloaded and not report.incremental
    emails = rows(report.pipeline, "select email_address from users")
    assert emails and all(re.fullmatch("[0-9a-f]{64}", e) for (e,) in emails)
    # hashed from then on; switching back, or another key, is refused too
    runner.run_pipeline(**kw, hash_personal_data=True, personal_data_key=KEY)
    with pytest.raises(GongConfigError, match="hash_personal_data is off"):
        runner.run_pipeline(**kw)
    with pytest.raises(GongConfigError, match="not the key"):
        runner.run_pipeline(**kw, hash_personal_data=True, personal_data_key=KEY + "x")


def test_a_python_caller_refused_mid_run_gets_the_same_line(
    sb: RunningSandbox, tmp_path: Path
) -> None:
    p = pipeline(tmp_path)
    load(p, sb, start_date=START.isoformat(), resources=["users"])
    with pytest.raises(PipelineStepFailed) as failed:
        load(p, sb, start_date=START.isoformat(), resources=["users"],
             hash_personal_data=True, personal_data_key=KEY)  # fmt: skip
    assert "hash_personal_data is true" in str(failed.value)
