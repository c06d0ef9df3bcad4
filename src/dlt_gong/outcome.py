"""Whether a load is complete, for Python callers: `dlt_gong.run` and `quota_stop`.

When Gong's daily quota runs out mid-load, every resource stops cleanly, so that what was
extracted is still loaded and the saved positions cover only finished work. dlt's
`pipeline.run` therefore returns normally: from its return value alone a scheduler
(Airflow, Dagster, a script) would report a partial load as a success. `run` loads first
and then raises the quota stop, with the time the quota resets; `quota_stop` answers the
same question for a caller that ran the pipeline itself.
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.common.pipeline import LoadInfo
from dlt.extract.source import DltSource

from dlt_gong import lake
from dlt_gong.errors import GongQuotaExhausted
from dlt_gong.resume import undo_interrupted_jobs
from dlt_gong.source import client_of


def quota_stop(source: DltSource) -> GongQuotaExhausted | None:
    """The daily-quota stop of the last load of `source` (a `gong_source`), or None when
    Gong answered every request; its `resets_at` says when to run again."""
    return client_of(source).quota_exhausted


def run(pipeline: dlt.Pipeline, source: DltSource, **run_kwargs: Any) -> LoadInfo:
    """Loads `source` into `pipeline` as `dlt-gong run` does and says whether it is complete.

    First it finishes a load an earlier run left pending (dlt's `run` would load only that
    and return without extracting), undoing the rows of jobs a killed process left half
    recorded, so nothing loads twice. On a filesystem destination its tables are Delta
    tables that merge (`lake.prepare`). Then it runs `source` with `run_kwargs` (passed to
    `pipeline.run`). Returns the `LoadInfo` of a complete load.

    Raises:
        GongQuotaExhausted: after loading what was extracted, when Gong's daily quota
            stopped the load; `resets_at` is when to run again (the next run continues
            where this one stopped), `load_info` is this run's `LoadInfo`.
    """
    lake.prepare(pipeline, source)
    if pipeline.has_pending_data:
        undo_interrupted_jobs(pipeline)
        pipeline.run()
    info = pipeline.run(source, **run_kwargs)
    stop = quota_stop(source)
    if stop is not None:
        stop.load_info = info
        raise stop
    return info
