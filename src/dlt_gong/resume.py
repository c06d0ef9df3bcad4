"""Make resuming a load that was killed mid-way exact: undo the rows of interrupted jobs.

dlt loads a package job by job and records a job as done by moving its file to
``completed_jobs`` after the destination committed its rows. A process killed between the
commit and the move (SIGKILL, OOM, a pulled plug) leaves the job in ``started_jobs`` with
its rows already in the table; the next run starts that job again and the table holds its
rows twice. dlt's merge then copies both into the dataset: it deduplicates a root table
that has nested tables by row key (``_dlt_id``), and the two copies share one. The crash
suite found this with SIGKILL during the load (25 doubled transcripts in one trial).

dlt marks a job right after its commit and does not run a marked job again, which closes
most of that gap but not all of it: the kill can land between the commit and the mark.
So before a pending package is loaded again, every started job without a mark has its rows,
if any were committed, deleted from the table it loads into (for dlt-gong's merge tables,
the staging dataset, which holds only this package's rows). The job then loads them once.
The row keys come from the job file itself; nothing else in the table is touched.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dlt
from dlt.common.destination.client import WithStagingDataset
from dlt.common.storages.load_package import PackageStorage
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.destinations.job_client_impl import SqlJobClientBase
from dlt.destinations.sql_client import SqlClientBase

logger = logging.getLogger(__name__)

ROW_KEY = "_dlt_id"
PENDING_TRANSITIONS = PackageStorage.PENDING_TRANSITIONS_FOLDER
CHUNK = 500
"""Row keys per DELETE statement, to keep statements a reasonable size."""

# in an insert_values file every row key is a quoted base64 literal; other literals of the
# same shape may match too, which is harmless: a row key is random, so no other row of the
# table has one of them as its key
_QUOTED_TOKEN = re.compile(rb"'([A-Za-z0-9+/_=-]{8,40})'")


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def row_keys(path: Path, file_format: str) -> set[str] | None:
    """The row keys a job file would write; None for a format this module cannot read."""
    if file_format == "jsonl":
        keys = set()
        for line in _read(path).splitlines():
            if line.strip():
                key = json.loads(line).get(ROW_KEY)
                if key is not None:
                    keys.add(str(key))
        return keys
    if file_format == "insert_values":
        return {m.decode("ascii") for m in _QUOTED_TOKEN.findall(_read(path))}
    if file_format == "parquet":
        return _parquet_keys(path)
    return None


def _parquet_keys(path: Path) -> set[str] | None:
    """The row keys of a Parquet job (an Arrow table's, `Table.frame`): none when dlt
    added no row key column. Such a table is merged through the staging dataset on its
    primary key, which drops a replayed job's copies of the same rows. None: a file that
    is not whole (a job killed while it was written)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError):
        return None
    if ROW_KEY not in parquet.schema_arrow.names:
        return set()
    return {str(k) for k in parquet.read(columns=[ROW_KEY]).column(0).to_pylist()}


def _chunks(keys: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for key in sorted(keys):
        batch.append(key)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def _delete(client: SqlJobClientBase, table: str, keys: set[str], staging: bool) -> int:
    sql = client.sql_client
    if staging:
        with sql.with_staging_dataset():
            return _delete_rows(sql, table, keys)
    return _delete_rows(sql, table, keys)


def _delete_rows(sql: SqlClientBase[Any], table: str, keys: set[str]) -> int:
    name = sql.make_qualified_table_name(table)
    column = sql.escape_column_name(ROW_KEY)
    deleted = 0
    try:
        for batch in _chunks(keys):
            marks = ", ".join(["%s"] * len(batch))
            before = sql.execute_sql(
                f"SELECT count(*) FROM {name} WHERE {column} IN ({marks})", *batch
            )
            found = int(before[0][0]) if before else 0
            if found:
                sql.execute_sql(f"DELETE FROM {name} WHERE {column} IN ({marks})", *batch)
                deleted += found
    except DatabaseUndefinedRelation:
        return 0  # the table was never created: the job wrote nothing
    return deleted


def _unrecorded(job_file: Path) -> bool:
    """A started job whose outcome dlt did not record: dlt will run it again.

    dlt writes a marker (``.pending_transitions/<job file>``) right after the destination
    committed a job and resumes a marked job without running it; only unmarked ones run
    again. SQL follow-up jobs (the merge) are replaced whole, so running one twice is safe.
    """
    marker = job_file.parent.parent / PENDING_TRANSITIONS / job_file.name
    return job_file.suffix != ".sql" and not marker.exists()


def undo_interrupted_jobs(pipeline: dlt.Pipeline) -> int:
    """Deletes what the started-but-unrecorded jobs of pending packages had committed.

    Returns the number of rows deleted (0 when no load was interrupted, the usual case,
    which costs only a look at the pipeline's folders).
    """
    total = 0
    for load_id in pipeline.list_normalized_load_packages():
        started = pipeline.get_load_package_info(load_id).jobs.get("started_jobs", [])
        jobs = [j for j in started if _unrecorded(Path(j.file_path))]
        if not jobs:
            continue
        with pipeline.destination_client() as client:
            if not isinstance(client, SqlJobClientBase):
                logger.warning(
                    "load %s was interrupted; its destination is not SQL, "
                    "so a job it replays may load rows twice",
                    load_id,
                )
                continue
            for job in jobs:
                info = job.job_file_info
                keys = row_keys(Path(job.file_path), info.file_format)
                if keys is None:
                    logger.warning(
                        "cannot read job file %s to undo it before it is replayed", job.file_path
                    )
                    continue
                staging = isinstance(
                    client, WithStagingDataset
                ) and client.should_load_data_to_staging_dataset(info.table_name)
                gone = _delete(client, info.table_name, keys, staging)
                if gone:
                    logger.info(
                        "load %s: removed %d rows an interrupted %s job had written, "
                        "before it runs again",
                        load_id,
                        gone,
                        info.table_name,
                    )
                total += gone
    return total
