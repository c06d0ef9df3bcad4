"""The dlt settings a `dlt-gong run` gets unless the user set them, and how one run is cut
into load packages: each chosen by the benchmark (bench/results.md) for a 2 GB scheduler
worker, and each a dlt setting the user can override (README, "Performance").

The settings are put in dlt's environment for the run only and taken out afterwards, so
that one run's choice (say, two normalise processes for a large unthrottled package) never
becomes a later run's "configured" value in the same process.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import dlt

from dlt_gong.chunked import PACKAGE_BYTES
from dlt_gong.options import number

MAX_PACKAGE_MB = 1024 * 1024
"""A terabyte: past any package a machine could hold (and what an integer of bytes can)."""

EXTRACT_BUFFER_ITEMS = 50
"""Items dlt's extract holds per table before writing them (dlt's default is 5,000). An
item here is a whole call with its content or a whole transcript (about 40 kB of JSON, ten
times that as Python objects), and dlt's normalise reads a buffer back as one line (25 MB
of objects at 100 items, measured), so this bounds both steps: the extract was at 220 MB
with 500 items, 200 MB with 100, at no measurable cost in time."""

EXTRACT_FILE_ITEMS = 500
"""Items per extracted file: a large package in several files, which dlt's normalise can
share between its processes (it splits a package by files)."""

UNCOMPRESSED = "true"
"""dlt gzips its intermediate files a row at a time: a quarter of the normalising time
(the benchmark's profile), to save disk the run frees once the package is loaded."""

DUCKDB_LOAD_WORKERS = "2"
DUCKDB_PACKAGES = '{"memory_limit": "128MB", "threads": 1}'
DUCKDB_ONE_PACKAGE = '{"memory_limit": "256MB", "threads": 2}'
"""DuckDB runs inside this process: dlt's 20 parallel load jobs, DuckDB's default memory
limit (80% of the machine's RAM) and a thread per CPU took a 28,000-call load to 3.5 GB.
A package of 16 MB loads within 128 MB and one thread (two parallel jobs), in time to
keep up with Gong's 3/s: 60 MB less at the peak of a paced run than 256 MB and two
threads. One package of a whole company ran out of memory once at 128 MB; it gets 256 MB
and two threads, its load being all the run waits for at the end, and so do packages
configured larger than 16 MB (at 96 MB, 128 MB failed merges that dlt then retried)."""

NORMALIZE_START_METHOD = "spawn"
"""How dlt starts its normalise processes in `dlt-gong`'s own processes. Forked (Linux's
default), each began as a copy of this process at the end of the extract, whose memory
grows with the company (206 MB after 3,000 calls, 306 MB after 30,000, measured) and was
counted again in each of the two: most of a large unthrottled run's peak. Spawned, each is
a fresh interpreter holding dlt and its share of the package, whatever the size; starting
one costs a second of CPU. A spawned process imports the program's main module again, so
this is set only where that module guards its entry point (`spawn_normalize`)."""

_spawned = [False]
"""Whether this process spawns its normalise processes (`spawn_normalize`)."""


def spawn_normalize() -> None:
    """From now on this process's runs spawn their normalise processes. Called by
    `dlt-gong`'s entry point and by each company's process, whose main modules guard their
    entry points; a script calling `run_pipeline` keeps dlt's own start method, since a
    script without an ``if __name__ == "__main__":`` guard would run again in each spawned
    process (it may set dlt's `normalize.start_method` itself)."""
    _spawned[0] = True


NORMALIZE_BUFFER_ITEMS = 1000
"""Rows dlt's normalise holds per table before writing them (dlt's default is 5,000): a
call's transcript is hundreds of rows, and each normalise process held 20-25 MB less at
1,000, at no measurable cost in time."""

TWO_PROCESSES_FROM_BYTES = 32 * 1024 * 1024
"""An unpaced run's extracted package at least this big is normalised by two processes
(dlt's `normalize.workers`): on 2 CPUs it halved the normalising of 10,000 calls (28 s to
16 s); a smaller package would spend more on starting them than it saves."""


@dataclass(frozen=True)
class Setting:
    key: str
    """dlt's config key, set as its environment variable."""
    value: str
    also: tuple[str, ...] = ()
    """The other keys dlt reads the same setting from; any of them set by the user wins."""


def settings(pipeline: dlt.Pipeline, packages: int) -> list[Setting]:
    """The defaults for a run of `pipeline` in packages of `packages` bytes (0: in one);
    DuckDB's only when it loads into DuckDB (other destinations load in their own server)."""
    found = [
        Setting(
            "sources.data_writer.buffer_max_items",
            str(EXTRACT_BUFFER_ITEMS),
            ("data_writer.buffer_max_items",),
        ),
        Setting(
            "sources.data_writer.file_max_items",
            str(EXTRACT_FILE_ITEMS),
            ("data_writer.file_max_items",),
        ),
        Setting(
            "normalize.data_writer.buffer_max_items",
            str(NORMALIZE_BUFFER_ITEMS),
            ("data_writer.buffer_max_items",),
        ),
        *([Setting("normalize.start_method", NORMALIZE_START_METHOD)] if _spawned[0] else []),
        Setting(
            "data_writer.disable_compression",
            UNCOMPRESSED,
            (
                "normalize.data_writer.disable_compression",
                "sources.data_writer.disable_compression",
            ),
        ),
    ]
    if loads_into_duckdb(pipeline):
        found += [
            Setting("load.workers", DUCKDB_LOAD_WORKERS),
            Setting(
                "destination.duckdb.credentials.global_config",
                DUCKDB_PACKAGES if paced_packages(packages) else DUCKDB_ONE_PACKAGE,
            ),
        ]
    return found


def paced_packages(packages: int) -> bool:
    """Whether a run in packages of `packages` bytes (0: one package) loads packages no
    larger than a paced run's (`chunked.PACKAGE_BYTES`): DuckDB's smaller bounds and the
    database kept open are sized for those."""
    return 0 < packages <= PACKAGE_BYTES


def loads_into_duckdb(pipeline: dlt.Pipeline) -> bool:
    destination = pipeline.destination
    return destination is not None and destination.destination_type == "dlt.destinations.duckdb"


@contextmanager
def duckdb_kept_open(
    pipeline: dlt.Pipeline, packages: int = PACKAGE_BYTES
) -> Iterator[Callable[[], None] | None]:
    """Keeps the run's DuckDB database open from the first load to the last, for a run in
    packages of `packages` bytes; yields what checkpoints it (None when the run does not
    load into DuckDB, or its packages are larger than a paced run's).

    dlt opens the database for each table's load job and closes it after, and DuckDB
    checkpoints its write-ahead log into the file at every close: a paced run of 3,000
    calls opened and closed it about 300 times. A connection held here keeps DuckDB's
    database open in this process (dlt's connections to the same file share it): that
    run then used 6% less CPU. Open, DuckDB keeps what a load wrote in memory until a
    checkpoint (100 MB at the end of a package of that run), so the packaged run
    checkpoints after each package (21 MB more at the run's peak than closing after each
    job), and the close checkpoints once more at the end. Committed loads are in the log:
    a run killed midway loses nothing that was committed.

    Only a paced run's packages (`chunked.PACKAGE_BYTES`, 16 MB) are loaded open. What a
    load writes stays in DuckDB's memory until a checkpoint, and in the 256 MB packages of
    an unthrottled run of 30,000 calls DuckDB ran out of its memory limit (256 MB) four
    times, in merges (each retried by dlt). Such packages are few, so the closes after
    each job cost them little. (Those merges were likely dlt's delete by either key, which
    `merge_sql` replaced: an unthrottled run of 28,518 calls in eight such packages met no
    out-of-memory error after it; kept open, they were not measured again.)"""
    if not loads_into_duckdb(pipeline) or not paced_packages(packages):
        yield None
        return
    import duckdb

    credentials: Any = pipeline.destination_client().config.credentials
    pool = credentials.conn_pool
    held = pool.borrow_conn()

    def checkpoint() -> None:
        # a plain CHECKPOINT may be refused while another connection has a transaction
        # open (FORCE would abort it; DuckDB 2.0.1 checkpointed anyway when tried): then
        # the log waits for the next one
        with contextlib.suppress(duckdb.TransactionException):
            held.execute("CHECKPOINT")

    try:
        yield checkpoint
    finally:
        pool.return_conn(held)


def _configured(key: str) -> bool:
    return dlt.config.get(key) is not None or dlt.secrets.get(key) is not None


def _variable(key: str) -> str:
    return key.upper().replace(".", "__")


_HELD: dict[str, int] = {}
"""Each variable `dlt_defaults` set, with how many runs in flight hold it (runs of several
companies in threads of one process overlap)."""
_HELD_LOCK = threading.Lock()


def _users(key: str) -> bool:
    """Whether the user set `key`: a variable a run in flight set is not the user's."""
    return _variable(key) not in _HELD and _configured(key)


@contextmanager
def dlt_defaults(pipeline: dlt.Pipeline, packages: int) -> Iterator[list[Setting]]:
    """Sets each default the user did not set, for the run; yields those it set.

    The environment is the process's: runs that overlap (in threads) share one variable,
    which the first run to need it sets and the last one to finish removes, so that no run
    takes it away from another mid-run, and no run's default is mistaken for the user's.
    Where overlapping runs would choose different values (DuckDB's memory for one package
    or many), the first one's stands until they are all done."""
    with _HELD_LOCK:
        chosen = [s for s in settings(pipeline, packages) if not any(map(_users, (s.key, *s.also)))]
        for setting in chosen:
            variable = _variable(setting.key)
            if variable not in _HELD:
                os.environ[variable] = setting.value
            _HELD[variable] = _HELD.get(variable, 0) + 1
    try:
        yield chosen
    finally:
        with _HELD_LOCK:
            for setting in chosen:
                variable = _variable(setting.key)
                _HELD[variable] -= 1
                if not _HELD[variable]:
                    del _HELD[variable]
                    os.environ.pop(variable, None)


UNPACED_PACKAGE_BYTES = 256 * 1024 * 1024
"""The packages of a run that does not pace its requests: about 5,000 calls of spooled
pages (about 50 kB a call with its transcript), so a sandbox company of 3,000 calls is
still one package. Not one package whatever the size: a first load of 100,000 calls in one
package wrote its transcripts' sentences to one 5.7 GB file (9.5 GB of load files in all)
and DuckDB ran out of its memory limit loading them, after 674 MB of peak memory; each
package's merge costs a second or two, which nothing overlaps when nothing is waited for."""


def package_bytes(paced: bool) -> int:
    """`[sources.gong] package_megabytes`, if set (0: one package, dlt's way); else
    `chunked.PACKAGE_BYTES` when the client paces its requests (`requests_per_second`, 3 by
    default), so that normalising and loading overlap the waits, and
    `UNPACED_PACKAGE_BYTES` when it does not, so that memory and disk stay bounded."""
    configured: Any = dlt.config.get("sources.gong.package_megabytes")
    if configured is None:
        return PACKAGE_BYTES if paced else UNPACED_PACKAGE_BYTES
    megabytes = number("package_megabytes", configured, minimum=0, maximum=MAX_PACKAGE_MB,
                       whole=False)  # fmt: skip
    return int(megabytes * 1024 * 1024)


def normalize_workers(pipeline: dlt.Pipeline) -> int:
    """Processes for normalising the extracted package: `normalize.workers` if the user
    set it, else two for a package of at least `TWO_PROCESSES_FROM_BYTES` on a machine with
    two CPUs or more, else dlt's one."""
    configured: Any = dlt.config.get("normalize.workers")
    if configured is not None:
        return int(configured)
    if (os.cpu_count() or 1) < 2:
        return 1
    extracted = sum(
        job.file_size
        for load_id in pipeline.list_extracted_load_packages()
        for job in pipeline.get_load_package_info(load_id).jobs.get("new_jobs", [])
    )
    return 2 if extracted >= TWO_PROCESSES_FROM_BYTES else 1


ARROW_POOL = "system"
"""pyarrow's allocator in `dlt-gong run` (`ARROW_DEFAULT_MEMORY_POOL`): its default
(jemalloc or mimalloc) keeps the memory of every page's Arrow table for reuse; a paced run
of 3,000 calls peaked at 485 MB with it, 452 MB with the system's (one run each), and used
no more CPU."""


def arrow_uses_system_memory() -> bool:
    """Sets `ARROW_POOL` for this process and the normalise processes it starts, unless
    the environment already says (then it wins); before pyarrow is imported, which reads
    it once. Only `dlt-gong run` calls this (it owns its process)."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return False
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = ARROW_POOL
    return True


MALLOC_ARENAS = 2
M_ARENA_MAX = -8
"""glibc's `mallopt` parameter for the number of malloc arenas (malloc.h)."""


def fewer_malloc_arenas() -> bool:
    """Caps glibc's malloc arenas at `MALLOC_ARENAS` for the rest of the process, as the
    environment variable MALLOC_ARENA_MAX would from its start (which wins when set).

    glibc gives threads arenas of their own, up to 8 per CPU, and memory freed in one is
    kept for it: the load's worker threads and DuckDB's are new in every package, so a
    paced run's memory crept from package to package. Two arenas lowered the peak of a
    3,000-call paced run by about 60 MB, at no cost in time measured. Only `dlt-gong run`
    calls this (it owns its process); a no-op but on Linux with glibc."""
    if sys.platform != "linux" or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, MALLOC_ARENAS))
    except (OSError, AttributeError):  # not glibc
        return False


def release_freed_memory() -> None:
    """Hands back to the system the memory glibc's malloc keeps after it was freed
    (`malloc_trim`): the extract's pages of calls and transcripts leave tens of MB free but
    held (64 MB after 10,000 calls), which the load's DuckDB would otherwise add to. A
    no-op but on Linux with glibc."""
    if sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)
