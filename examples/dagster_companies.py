"""Many Gong companies in Dagster: one static partition per company, each partition a run
of that company's own source, pipeline and dataset (its own Gong rate limit and quota).

The companies are listed once, in `sources.gong.companies` (`["acme", "globex"]`), and
each has its own section: `[sources.gong.acme.credentials]` (or
`SOURCES__GONG__ACME__CREDENTIALS__ACCESS_KEY`, ...), `sources.gong.acme.base_url`, ...;
what they share (`resources`, `start_date`) may sit in `[sources.gong]`. A backfill of
all partitions runs the companies side by side; one company's quota stop or refused key
fails its partition only.
"""

import dlt
from dagster import AssetExecutionContext, Definitions, Failure, StaticPartitionsDefinition
from dagster_dlt import DagsterDltResource, dlt_assets

import dlt_gong

companies = StaticPartitionsDefinition(dlt_gong.configured_companies())

# only names the assets, the same for every company: built with no credentials, it sends
# nothing; each run builds its company's source and pipeline below
names_only = dlt_gong.GongApiKeyCredentials(access_key="-", access_key_secret="-")


@dlt_assets(
    dlt_source=dlt_gong.gong_source(credentials=names_only),
    dlt_pipeline=dlt.pipeline("gong", destination="duckdb"),
    name="gong",
    partitions_def=companies,
)
def gong_companies(context: AssetExecutionContext, dlt: DagsterDltResource):
    company = context.partition_key
    source = dlt_gong.company_source(company)  # from [sources.gong.<company>]
    # pipeline gong_<company>, dataset gong_data_<company> (DuckDB: gong_<company>.duckdb)
    pipeline = dlt_gong.company_pipeline(company, destination="duckdb")
    yield from dlt.run(
        context=context, dlt_source=source, dlt_pipeline=pipeline, loader_file_format="jsonl"
    )
    stop = dlt_gong.quota_stop(source)
    if stop is not None:
        raise Failure(
            description=f"{company}: partial load: Gong's daily quota resets at "
            f"{stop.resets_at.isoformat()}",
            allow_retries=True,
        )


defs = Definitions(assets=[gong_companies], resources={"dlt": DagsterDltResource()})
