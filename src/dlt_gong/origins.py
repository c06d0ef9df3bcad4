"""Where a configured value came from, said the way the user wrote it there.

A message about a wrong value is acted on fastest when it quotes the very line to edit:
`SOURCES__GONG__REQUESTS_PER_SECOND=2.5`, or `resources = "users,calls"` in a named
config.toml. dlt records where it found each value it resolved (its resolved-value
traces, per thread); this module reads the newest one for an option. A value given on the
command line is the command line's to name (`cli.py`); one passed to `gong_source` in
Python, or a default, has no origin to name.
"""

from __future__ import annotations

import json
import shlex
from datetime import date, datetime
from pathlib import Path
from typing import Any

from dlt.common.configuration.container import Container
from dlt.common.configuration.providers.provider import EXPLICIT_VALUES_PROVIDER_NAME
from dlt.common.configuration.specs.base_configuration import is_secret_hint
from dlt.common.configuration.utils import ResolvedValueTrace, get_resolved_traces
from dlt.common.runtime.run_context import PluggableRunContext

ENVIRONMENT = "Environment Variables"
"""dlt's name for its environment variable provider."""


def spelled(option: str, sections: tuple[str, ...] = ("sources", "gong")) -> str | None:
    """The value dlt resolved for `option` under `sections` (for instance a source's
    `sources.gong`), as written where dlt found it; None when dlt did not read it from a
    provider (an argument, a default) or it is a secret (never shown)."""
    try:
        traces = get_resolved_traces().resolved_traces
    except Exception:  # no trace context: nothing was resolved in this thread
        return None
    for trace in reversed(traces):
        if trace.key != option or trace.provider_name == EXPLICIT_VALUES_PROVIDER_NAME:
            continue
        if not _within(trace.sections, sections) or trace.value is None:
            continue
        if is_secret_hint(trace.hint):
            return None
        return _spell(trace)
    return None


def _within(found: Any, sections: tuple[str, ...]) -> bool:
    """dlt looks a source's option up under several sections (the pipeline's name before
    them, then `sources.gong`, then `sources`, then none): any of them is the option's."""
    rest = tuple(found)
    if rest and rest[0] != sections[0]:
        rest = rest[1:]  # the pipeline's name
    return sections[: len(rest)] == rest


def _spell(trace: ResolvedValueTrace) -> str:
    sections = [s for s in trace.sections if s]
    if trace.provider_name == ENVIRONMENT:
        variable = "__".join([*sections, trace.key]).upper()
        return f"{variable}={shlex.quote(str(trace.value))}"
    if trace.provider_name.endswith(".toml"):
        table = f"[{'.'.join(sections)}] " if sections else ""
        where = _toml_file(trace.provider_name, sections, trace.key) or trace.provider_name
        return f"{table}{trace.key} = {_toml(trace.value)} in {where}"
    return f"{trace.key} {trace.value!r} ({trace.provider_name})"


def _toml(value: Any) -> str:
    """A value as TOML writes it (a string quoted, a date bare, a list in brackets)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, default=str)


def _toml_file(provider_name: str, sections: list[str], key: str) -> str | None:
    """Which of the provider's files holds the key (the project's `.dlt/` or the global
    one), by its full path."""
    import tomlkit

    try:
        providers = Container()[PluggableRunContext].providers.providers
    except Exception:
        return None
    for provider in providers:
        if provider.name != provider_name:
            continue
        for location in getattr(provider, "locations", ()) or ():
            path = Path(location)
            try:
                table: Any = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
            except (OSError, ValueError):
                continue
            for section in sections:
                table = table.get(section) if isinstance(table, dict) else None
            if isinstance(table, dict) and key in table:
                return str(path.resolve())
    return None
