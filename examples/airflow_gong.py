"""Gong in Airflow: dlt's PipelineTasksGroup runs the source's tables as serial tasks (one
Gong rate limit and quota, so never two at once). A task stopped by Gong's daily quota
fails, saying when the quota resets, and retries after a while; the tasks after it wait.

Credentials and options come the dlt way (`SOURCES__GONG__CREDENTIALS__ACCESS_KEY`, ...).
"""

import functools
from datetime import timedelta

import dlt
import pendulum
from airflow.sdk import dag
from dlt.helpers.airflow_helper import PipelineTasksGroup

import dlt_gong


def failing_on_quota_stop(load, source):
    """`pipeline.run` returns normally when the quota stops a load (what was extracted is
    loaded): raise the stop afterwards, so the task is not green."""

    @functools.wraps(load)
    def checked(*args, **kwargs):
        load(*args, **kwargs)
        stop = dlt_gong.quota_stop(source)
        if stop is not None:
            raise stop  # "... it resets at <time>"

    return checked


@dag(
    schedule="15 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
)
def gong():
    tasks = PipelineTasksGroup("gong", use_data_folder=False, wipe_local_data=True)
    pipeline = dlt.pipeline("gong", destination="duckdb", dataset_name="gong_data")
    source = dlt_gong.gong_source()
    for task in tasks.add_run(
        pipeline,
        source,
        decompose="serialize",
        loader_file_format="jsonl",
        retries=2,
        retry_delay=timedelta(hours=4),
    ):
        task.python_callable = failing_on_quota_stop(task.python_callable, source)


gong()
