"""dlt-gong: load everything a company keeps in Gong into any warehouse dlt can load."""

from dlt_gong.chunked import run_in_packages
from dlt_gong.companies import (
    CompanyOutcome,
    company_pipeline,
    company_source,
    configured_companies,
    run_companies,
)
from dlt_gong.credentials import GongApiKeyCredentials, GongCredentials, GongOAuthCredentials
from dlt_gong.errors import (
    GongApiError,
    GongAuthError,
    GongConfigError,
    GongError,
    GongQuotaExhausted,
    GongUnavailableError,
)
from dlt_gong.outcome import quota_stop, run
from dlt_gong.resume import undo_interrupted_jobs
from dlt_gong.source import gong_source
from dlt_gong.tables import TABLES

__all__ = [
    "TABLES",
    "CompanyOutcome",
    "GongApiError",
    "GongApiKeyCredentials",
    "GongAuthError",
    "GongConfigError",
    "GongCredentials",
    "GongError",
    "GongOAuthCredentials",
    "GongQuotaExhausted",
    "GongUnavailableError",
    "company_pipeline",
    "company_source",
    "configured_companies",
    "gong_source",
    "quota_stop",
    "run",
    "run_companies",
    "run_in_packages",
    "undo_interrupted_jobs",
]
