"""Gong in Dagster: one asset per table, all loaded by one run of the source (one Gong
rate limit and quota), with a fresh source per run.

Credentials come the dlt way (`SOURCES__GONG__CREDENTIALS__ACCESS_KEY`, ...), and so do
the other options (`SOURCES__GONG__RESOURCES`, ...). A run stopped by Gong's daily quota
fails, saying when the quota resets; the next run continues where it stopped.
"""

import dlt
from dagster import AssetExecutionContext, Definitions, Failure
from dagster_dlt import DagsterDltResource, dlt_assets

import dlt_gong


def gong_pipeline() -> dlt.Pipeline:
    return dlt.pipeline("gong", destination="duckdb", dataset_name="gong_data")


# the source given here only names the assets; each run builds its own below, because a
# dlt source is used up by one run (dagster-dlt fails the second with KeyError: 'name')
@dlt_assets(dlt_source=dlt_gong.gong_source(), dlt_pipeline=gong_pipeline(), name="gong")
def gong_assets(context: AssetExecutionContext, dlt: DagsterDltResource):
    source = dlt_gong.gong_source()
    yield from dlt.run(context=context, dlt_source=source, loader_file_format="jsonl")
    stop = dlt_gong.quota_stop(source)
    if stop is not None:
        raise Failure(
            description=f"partial load: Gong's daily quota resets at {stop.resets_at.isoformat()}",
            allow_retries=True,
        )


defs = Definitions(assets=[gong_assets], resources={"dlt": DagsterDltResource()})
