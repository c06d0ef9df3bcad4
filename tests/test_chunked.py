"""A run in load packages (`dlt_gong.chunked`) loads what one package loads: the same
tables, columns in the same order, the same rows under the same parents, the same saved
positions, and the same requests."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dlt.common.exceptions import SignalReceivedException
from dlt.load import Load

from dlt_gong.sandbox import RunningSandbox
from e2e_helpers import rows, run_into_duckdb
from instants import NOW

DAYS = 6
DLT_COLUMNS = ("_dlt_id", "_dlt_parent_id", "_dlt_root_id", "_dlt_load_id", "_dlt_list_idx")


def _run(sb: RunningSandbox, tmp: Path, name: str, monkeypatch: pytest.MonkeyPatch, mb: str) -> Any:
    monkeypatch.setenv("SOURCES__GONG__PACKAGE_MEGABYTES", mb)
    return run_into_duckdb(sb, tmp / f"{name}.duckdb", name, DAYS)


def _columns(p: dlt.Pipeline) -> list[tuple[Any, ...]]:
    return rows(
        p,
        "select table_name, column_name, data_type, ordinal_position "
        "from information_schema.columns where table_schema = 'gong' order by 1, 4",
    )


def _content(p: dlt.Pipeline, columns: list[tuple[Any, ...]]) -> dict[str, list[str]]:
    """Every data table's rows without dlt's keys; a nested row with its root's primary
    key instead, so that a row under the wrong parent shows."""
    tables = sorted({c[0] for c in columns if not c[0].startswith("_dlt")})
    found = {}
    for table in tables:
        names = [c[1] for c in columns if c[0] == table and c[1] not in DLT_COLUMNS]
        picked = ", ".join(f't."{n}"' for n in names)
        root = table.split("__")[0]
        if root == table:
            sql = f'select {picked} from gong."{table}" t'
        else:
            keys = [
                f'r."{name}"'
                for name, column in p.default_schema.get_table_columns(root).items()
                if column.get("primary_key")
            ]
            assert keys, root
            sql = (
                f'select {", ".join(keys)}, t."_dlt_list_idx", {picked} from gong."{table}" t '
                f'join gong."{root}" r on t._dlt_root_id = r._dlt_id'
            )
        found[table] = sorted(map(repr, rows(p, sql)))
    return found


def test_packages_load_exactly_what_one_package_loads(
    make_sandbox: Callable[..., RunningSandbox],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sb = make_sandbox(
        seed=17, users=8, calls=30, days=DAYS, page_size=10, now=NOW, freeze_clock=True
    )
    one = _run(sb, tmp_path, "one", monkeypatch, "0")
    sent_one = one.client.requests_sent
    many = _run(sb, tmp_path, "many", monkeypatch, "0.000001")  # every page a package

    loads = rows(many.pipeline, "select count(*) from gong._dlt_loads")[0][0]
    assert rows(one.pipeline, "select count(*) from gong._dlt_loads")[0][0] == 1
    assert loads > 10  # users, workspaces, 3 + 3 pages of calls and transcripts, ...
    assert many.client.requests_sent == sent_one
    dispositions = {  # a full-refresh table read whole is `replace`d in both
        name: table.get("write_disposition")
        for name, table in one.pipeline.default_schema.tables.items()
    }
    assert dispositions["users"] == "replace"
    assert {
        name: table.get("write_disposition")
        for name, table in many.pipeline.default_schema.tables.items()
    } == dispositions
    columns = _columns(one.pipeline)
    assert _columns(many.pipeline) == columns
    assert _content(many.pipeline, columns) == _content(one.pipeline, columns)
    assert many.pipeline.state["sources"]["gong"] == one.pipeline.state["sources"]["gong"]
    counted = one.pipeline.last_trace.last_normalize_info.row_counts
    data = {t: n for t, n in counted.items() if not t.startswith("_dlt")}
    assert {t: n for t, n in many.row_counts.items() if not t.startswith("_dlt")} == data


def test_a_ctrl_c_that_came_as_a_package_finished_loading_stops_the_run_there(
    make_sandbox: Callable[..., RunningSandbox],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """dlt's load acts on a signal only where it looks for one, then forgets it: a Ctrl-C
    that comes as a package's load completes was lost, and the run went on to its next
    package and exited 0. Now the run stops after that package, as a Ctrl-C stops it."""
    sb = make_sandbox(seed=17, users=8, calls=30, days=DAYS, page_size=10, now=NOW,
                      freeze_clock=True)  # fmt: skip
    complete = Load.complete_package
    completed: list[str] = []

    def interrupted(self: Load, load_id: str, *args: Any, **kw: Any) -> None:
        complete(self, load_id, *args, **kw)
        completed.append(load_id)
        if len(completed) == 2:  # the first package's (the reconcile pass has its own)
            os.kill(os.getpid(), signal.SIGINT)  # handled at once, in this main thread

    monkeypatch.setattr(Load, "complete_package", interrupted)
    with pytest.raises(SignalReceivedException) as stopped:
        _run(sb, tmp_path, "stopped", monkeypatch, "0.000001")  # every page a package
    assert stopped.value.signal_code == signal.SIGINT
    assert len(completed) == 2
    with duckdb.connect(str(tmp_path / "stopped.duckdb"), read_only=True) as db:
        loads = db.execute("select load_id from gong._dlt_loads order by 1").fetchall()
    assert [r[0] for r in loads] == completed
