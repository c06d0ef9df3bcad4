"""The runner's defaults for dlt (`run_defaults`): a bounded extract buffer, jsonl for
DuckDB, files left uncompressed, DuckDB's memory, threads and parallel loads bounded, load
packages when paced and two normalise processes for a large unpaced package; each only for
the run, and each yielding to the user's own setting."""

from __future__ import annotations

import json
import os
import platform
import queue
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dlt
import pytest

from dlt_gong import GongApiKeyCredentials, chunked, gong_source, run_defaults
from dlt_gong.chunked import PACKAGE_BYTES, run_in_packages
from dlt_gong.run_defaults import (
    UNPACED_PACKAGE_BYTES,
    dlt_defaults,
    normalize_workers,
    package_bytes,
)
from dlt_gong.runner import file_formats

KEY = "SOURCES__DATA_WRITER__BUFFER_MAX_ITEMS"
KEYS = GongApiKeyCredentials(access_key="k", access_key_secret="s")


def test_duckdb_loads_jsonl_but_arrow_tables_others_keep_their_default(tmp_path: Path) -> None:
    """jsonl on each resource, not as the run's format: dlt would apply that to the Arrow
    tables too (`call_transcript_sentences`), which then load as Parquet, dlt's choice."""

    def formats(destination: str) -> dict[str, Any]:
        p = dlt.pipeline(f"fmt_{destination}", destination=destination, pipelines_dir=str(tmp_path))
        source = gong_source(credentials=KEYS, requests_per_second=None)
        file_formats(p, source)
        return {n: r.compute_table_schema().get("file_format") for n, r in source.resources.items()}

    duck = formats("duckdb")
    assert duck.pop("call_transcript_sentences") is None
    assert set(duck.values()) == {"jsonl"}
    assert set(formats("postgres").values()) == {None}


def test_a_second_run_of_the_same_pipeline_is_refused_with_one_line(tmp_path: Path) -> None:
    """Two runs of one pipeline would share its staging, state and Gong's 3/s: while one
    holds the pipeline's run lock, another fails at once (exit 1 through GongError),
    before any request; a different pipeline name is not held up."""
    from dlt_gong.errors import GongBusyError
    from dlt_gong.runner import _one_run_at_a_time

    first = dlt.pipeline("busy", destination="duckdb", pipelines_dir=str(tmp_path))
    held = _one_run_at_a_time(first)
    try:
        second = dlt.pipeline("busy", destination="duckdb", pipelines_dir=str(tmp_path))
        with pytest.raises(GongBusyError) as refused:
            _one_run_at_a_time(second)
        lock = Path(first.working_dir).parent / "busy.run.lock"
        assert str(refused.value) == (
            f"another run of pipeline 'busy' is in progress (lock {lock}); runs of one "
            "pipeline, backfill windows included, go one at a time"
        )
        other = dlt.pipeline("other", destination="duckdb", pipelines_dir=str(tmp_path))
        _one_run_at_a_time(other).release()
    finally:
        held.release()
    again = _one_run_at_a_time(first)  # released: the next run goes
    again.release()


BOUND_KEYS = (
    "SOURCES__DATA_WRITER__BUFFER_MAX_ITEMS",
    "DATA_WRITER__BUFFER_MAX_ITEMS",
    "SOURCES__DATA_WRITER__FILE_MAX_ITEMS",
    "DATA_WRITER__FILE_MAX_ITEMS",
    "DATA_WRITER__DISABLE_COMPRESSION",
    "NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION",
    "SOURCES__DATA_WRITER__DISABLE_COMPRESSION",
    "NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS",
    "NORMALIZE__START_METHOD",
    "LOAD__WORKERS",
    "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG",
    "SOURCES__GONG__PACKAGE_MEGABYTES",
    "NORMALIZE__WORKERS",
)


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for key in BOUND_KEYS:
        monkeypatch.setenv(key, "")  # records the environment as it was, restored afterwards
        monkeypatch.delenv(key)
    return monkeypatch


def test_defaults_are_dlt_settings_for_the_run_only(tmp_path: Path, unset: Any) -> None:
    unset.setattr(run_defaults, "_spawned", [True])  # as dlt-gong's entry point sets it
    duck = dlt.pipeline("bound_duck", destination="duckdb", pipelines_dir=str(tmp_path))
    with dlt_defaults(duck, packages=PACKAGE_BYTES):
        assert dlt.config.get("sources.data_writer.buffer_max_items") == "50"
        assert dlt.config.get("sources.data_writer.file_max_items") == "500"
        assert dlt.config.get("data_writer.disable_compression") == "true"
        assert dlt.config.get("normalize.data_writer.buffer_max_items") == "1000"
        assert dlt.config.get("normalize.start_method") == "spawn"
        assert dlt.config.get("load.workers") == "2"
        assert json.loads(os.environ["DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG"]) == {
            "memory_limit": "128MB",
            "threads": 1,
        }
    assert not any(key in os.environ for key in BOUND_KEYS)  # taken out after the run
    for packages in (0, 96 * 1024 * 1024):  # one package of a whole company, or large ones
        with dlt_defaults(duck, packages=packages):
            assert json.loads(os.environ["DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG"]) == {
                "memory_limit": "256MB",
                "threads": 2,
            }

    pg = dlt.pipeline("bound_pg", destination="postgres", pipelines_dir=str(tmp_path))
    with dlt_defaults(
        pg, packages=PACKAGE_BYTES
    ):  # the load runs in the server: dlt's defaults stay
        assert "LOAD__WORKERS" not in os.environ
        assert "DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG" not in os.environ
        assert os.environ[KEY] == "50"


def test_the_users_own_settings_stand(tmp_path: Path, unset: Any) -> None:
    unset.setenv("DATA_WRITER__BUFFER_MAX_ITEMS", "2000")
    unset.setenv("NORMALIZE__DATA_WRITER__DISABLE_COMPRESSION", "false")
    unset.setenv("LOAD__WORKERS", "8")
    unset.setattr(run_defaults, "_spawned", [True])
    duck = dlt.pipeline("own_duck", destination="duckdb", pipelines_dir=str(tmp_path))
    with dlt_defaults(duck, packages=PACKAGE_BYTES) as chosen:
        assert KEY not in os.environ
        assert "DATA_WRITER__DISABLE_COMPRESSION" not in os.environ
        assert os.environ["LOAD__WORKERS"] == "8"
        assert "NORMALIZE__DATA_WRITER__BUFFER_MAX_ITEMS" not in os.environ
        assert [s.key for s in chosen] == [
            "sources.data_writer.file_max_items",
            "normalize.start_method",
            "destination.duckdb.credentials.global_config",
        ]
    assert os.environ["LOAD__WORKERS"] == "8"  # the user's, left as it was


def test_a_script_keeps_dlts_start_method_and_the_cli_spawns(tmp_path: Path, unset: Any) -> None:
    """A script's `run_pipeline` must not spawn on its own: a script without a main guard
    would run again in each spawned normalise process."""
    unset.setattr(run_defaults, "_spawned", [False])
    duck = dlt.pipeline("script_duck", destination="duckdb", pipelines_dir=str(tmp_path))
    with dlt_defaults(duck, packages=PACKAGE_BYTES) as chosen:
        assert "normalize.start_method" not in [s.key for s in chosen]
    run_defaults.spawn_normalize()
    with dlt_defaults(duck, packages=PACKAGE_BYTES) as chosen:
        assert dlt.config.get("normalize.start_method") == "spawn"


def test_small_packages_when_paced_large_ones_when_not_unless_configured(unset: Any) -> None:
    assert package_bytes(paced=True) == 16 * 1024 * 1024
    assert package_bytes(paced=False) == 256 * 1024 * 1024
    unset.setenv("SOURCES__GONG__PACKAGE_MEGABYTES", "0")
    assert package_bytes(paced=True) == 0
    unset.setenv("SOURCES__GONG__PACKAGE_MEGABYTES", "1.5")
    assert package_bytes(paced=False) == int(1.5 * 1024 * 1024)


def test_two_normalise_processes_only_for_a_large_package(tmp_path: Path, unset: Any) -> None:
    pipeline = dlt.pipeline("workers", destination="duckdb", pipelines_dir=str(tmp_path))
    pipeline.extract([{"id": n, "text": "x" * 100} for n in range(1000)], table_name="t")
    size = sum(
        job.file_size
        for load_id in pipeline.list_extracted_load_packages()
        for job in pipeline.get_load_package_info(load_id).jobs["new_jobs"]
    )
    assert size > 0
    unset.setattr(run_defaults, "TWO_PROCESSES_FROM_BYTES", size + 1)
    assert normalize_workers(pipeline) == 1
    unset.setattr(run_defaults, "TWO_PROCESSES_FROM_BYTES", size)
    unset.setattr(run_defaults.os, "cpu_count", lambda: 2)
    assert normalize_workers(pipeline) == 2
    unset.setattr(run_defaults.os, "cpu_count", lambda: 1)
    assert normalize_workers(pipeline) == 1
    unset.setenv("NORMALIZE__WORKERS", "3")
    assert normalize_workers(pipeline) == 3


def test_arrow_uses_the_system_allocator_unless_the_environment_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    assert run_defaults.arrow_uses_system_memory() is True
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "mimalloc")
    assert run_defaults.arrow_uses_system_memory() is False
    assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "mimalloc"


def test_fewer_malloc_arenas_yields_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "8")
    assert run_defaults.fewer_malloc_arenas() is False
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    expected = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"
    assert run_defaults.fewer_malloc_arenas() is expected


def test_releasing_freed_memory_is_harmless_anywhere() -> None:
    run_defaults.release_freed_memory()  # glibc hands free pages back; elsewhere a no-op


def test_overlapping_runs_keep_the_defaults_until_the_last_is_done(
    tmp_path: Path, unset: Any
) -> None:
    """Runs in threads of one process share its environment: the second run in takes the
    first one's defaults as its own (not the user's), and the first one out leaves them."""
    duck = dlt.pipeline("overlap_duck", destination="duckdb", pipelines_dir=str(tmp_path))
    first = dlt_defaults(duck, packages=PACKAGE_BYTES)
    chosen_first = first.__enter__()
    with dlt_defaults(duck, packages=PACKAGE_BYTES) as chosen_second:
        assert [s.key for s in chosen_second] == [s.key for s in chosen_first]
        first.__exit__(None, None, None)
        assert os.environ[KEY] == "50"  # still the second run's
        assert os.environ["LOAD__WORKERS"] == "2"
    assert not any(key in os.environ for key in BOUND_KEYS)  # the last one out took them


def test_the_spool_of_a_killed_run_is_removed_by_the_next_run(tmp_path: Path) -> None:
    """The pages read ahead are spooled in the pipeline's folder (`SPOOL_FOLDER`), not the
    system's temporary one, where a run killed midway left them for good: the next run of
    the pipeline removes them first, and its own at its end."""
    pipeline = dlt.pipeline(
        "spool", destination=dlt.destinations.duckdb(str(tmp_path / "s.duckdb")),
        pipelines_dir=str(tmp_path),
    )  # fmt: skip
    spool = Path(pipeline.working_dir) / chunked.SPOOL_FOLDER
    spool.mkdir(parents=True)
    (spool / "7.pickle").write_bytes(b"a page of calls the killed run had read")
    during: list[set[str]] = []

    @dlt.resource(name="pages")
    def pages() -> Any:
        for n in range(3):
            during.append({p.name for p in spool.iterdir()})  # the spool is there meanwhile
            yield [{"n": n}]

    done = run_in_packages(pipeline, dlt.source(lambda: pages, name="s")())
    assert done.row_counts["pages"] == 3
    assert len(during) == 3 and not any("7.pickle" in names for names in during)
    assert not spool.exists()


def test_a_package_takes_the_pages_waiting_up_to_its_most() -> None:
    """A package waits for its size, then takes what is waiting: up to its
    size when it keeps up, up to twice that behind the feed of a paced run."""
    for most, taken in ((4, 4), (8, 8), (20, 10)):
        pages: queue.Queue[Any] = queue.Queue()
        for n in range(10):
            pages.put(chunked._Page("t", Path(f"{n}"), 1, {"n": n}))
        package = chunked._Package(SimpleNamespace(pages=pages), 4, most)  # type: ignore[arg-type]
        assert [p.state["n"] for p in package.pages()] == list(range(taken))
        assert (package.taken, package.state, package.end) == (taken, {"n": taken - 1}, None)


def test_a_package_waits_for_its_size_before_it_starts() -> None:
    """One page is waiting and three come later: the package waits for all four (its
    size), not only for the first, then ends with what it holds."""
    pages: queue.Queue[Any] = queue.Queue()
    pages.put(chunked._Page("t", Path("0"), 1, {"n": 0}))

    def later() -> None:
        time.sleep(0.3)  # the package has taken the first page by then, and waits
        for n in range(1, 4):
            pages.put(chunked._Page("t", Path(f"{n}"), 1, {"n": n}))

    feeder = threading.Thread(target=later)
    feeder.start()
    package = chunked._Package(SimpleNamespace(pages=pages), 4, 8)  # type: ignore[arg-type]
    assert [p.state["n"] for p in package.pages()] == [0, 1, 2, 3]
    feeder.join()
    assert (package.taken, package.end) == (4, None)


@pytest.mark.parametrize("paced", [True, False], ids=["paced", "unpaced"])
def test_only_a_paced_runs_packages_take_more_when_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, paced: bool
) -> None:
    """An unpaced run's packages are as large as memory allows already (256 MB)."""
    made: list[tuple[int, int]] = []
    package = chunked._Package

    def recorded(feed: Any, limit: int, most: int) -> chunked._Package:
        made.append((limit, most))
        return package(feed, limit, most)

    monkeypatch.setattr(chunked, "_Package", recorded)

    @dlt.resource(name="pages")
    def pages() -> Any:
        yield [{"n": 1}]

    pipeline = dlt.pipeline(
        f"behind_{paced}", destination=dlt.destinations.duckdb(str(tmp_path / "b.duckdb")),
        pipelines_dir=str(tmp_path),
    )  # fmt: skip
    run_in_packages(pipeline, dlt.source(lambda: pages, name="b")(), package_bytes=100, paced=paced)
    assert made == [(100, 100 * chunked.PACKAGE_BEHIND_FACTOR if paced else 100)]


def test_a_duckdb_database_kept_open_checkpoints_when_told_and_at_the_end(
    tmp_path: Path,
) -> None:
    """dlt closes its connection after each load job; while `duckdb_kept_open` holds one,
    that close is not DuckDB's last, so the write-ahead log waits for `checkpoint` (or
    the end of the run) instead of being written into the file at every job."""
    database = tmp_path / "kept.duckdb"
    wal = Path(f"{database}.wal")
    p = dlt.pipeline(
        "kept", destination=dlt.destinations.duckdb(str(database)), pipelines_dir=str(tmp_path)
    )

    def write(sql: str) -> None:
        with p.sql_client() as client:  # opens and closes a connection, as a load job does
            client.execute_sql(sql)

    write("CREATE TABLE first_run (id INTEGER)")
    assert not wal.exists()  # dlt's close checkpointed: nothing else held the database
    with run_defaults.duckdb_kept_open(p) as checkpoint:
        assert checkpoint is not None
        write("INSERT INTO first_run VALUES (1)")
        assert wal.stat().st_size > 0  # closed, but the database stays open: not yet written
        checkpoint()
        assert not wal.exists() or wal.stat().st_size == 0
        write("INSERT INTO first_run VALUES (2)")
        assert wal.stat().st_size > 0
    assert not wal.exists()
    with p.sql_client() as client:
        assert client.execute_sql("SELECT count(*) FROM first_run") == [(2,)]
    pg = dlt.pipeline("kept_pg", destination="postgres", pipelines_dir=str(tmp_path))
    with run_defaults.duckdb_kept_open(pg) as none:
        assert none is None
    for unpaced in (0, UNPACED_PACKAGE_BYTES):  # one package, or an unthrottled run's
        with run_defaults.duckdb_kept_open(p, unpaced) as none:
            assert none is None
            write("INSERT INTO first_run VALUES (3)")
            assert not wal.exists()  # closed after the job, as dlt does
