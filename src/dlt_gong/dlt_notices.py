"""dlt's warnings that every Gong load triggers and no user can act on, kept at debug.

Gong leaves many fields empty for most companies (a call's CRM context, a user's
spoken languages): dlt warns, once per table and load, that such columns "did not
receive any data" and will not be created. A first load printed 69 such lines, burying
the summary, in `dlt-gong run` and in plain `pipeline.run(gong_source())` scripts alike.
The source installs `EmptyColumnsAtDebug` on dlt's logger, so they are logged at DEBUG
(shown when dlt's log level is DEBUG) and never as warnings; every other dlt message
is untouched.
"""

from __future__ import annotations

import logging

EMPTY_COLUMNS = "did not receive any data"
"""The words of dlt's two empty-column warnings (`dlt.common.schema.exceptions`)."""


class EmptyColumnsAtDebug(logging.Filter):
    """Demotes dlt's empty-column warnings to DEBUG; passes everything else."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG and EMPTY_COLUMNS in str(record.msg):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


def install() -> None:
    """On dlt's logger ("dlt", which does not propagate), once per process."""
    dlt_logger = logging.getLogger("dlt")
    if not any(isinstance(f, EmptyColumnsAtDebug) for f in dlt_logger.filters):
        dlt_logger.addFilter(EmptyColumnsAtDebug())
