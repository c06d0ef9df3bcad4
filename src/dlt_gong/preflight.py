"""What `dlt-gong run` checks before it creates anything: names, the destination, the key.

A run that is refused must leave nothing behind: no pipeline folder (which would pin the
pipeline to the folder it first ran in), no state, no DuckDB file, no committed load. So
the pipeline's and dataset's names and the destination's configuration are checked
without a request, and then the Gong credentials are proven with one request, all before
`dlt.pipeline` runs. That one request is the first one the load itself makes (the
client keeps its answer for it, `GongClient.remember`), so a load whose credentials
are fine is not charged for the proof.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from typing import Any

import dlt
from dlt.common.configuration import inject_section
from dlt.common.configuration.exceptions import ConfigFieldMissingException, LookupTraces
from dlt.common.configuration.specs import ConnectionStringCredentials
from dlt.common.configuration.specs.base_configuration import extract_inner_hint
from dlt.common.configuration.specs.config_section_context import ConfigSectionContext
from dlt.common.destination.reference import Destination
from dlt.common.storages.file_storage import FileStorage
from dlt.dataset.utils import get_destination_client_initial_config

from dlt_gong import endpoints as ep
from dlt_gong.client import GongClient
from dlt_gong.errors import GongAuthError, GongConfigError
from dlt_gong.options import LoadOptions
from dlt_gong.tables import BY_NAME

logger = logging.getLogger("dlt_gong")

NOT_DESTINATIONS = ("destination",)
"""Names in `dlt.destinations` that are not destinations (the decorator for one's own)."""


def check_pipeline_name(name: str) -> str:
    """dlt keeps a pipeline in a folder of its name: one that cannot be a folder (or that
    dlt would replace by a name of its own, as it does an empty one) is refused."""
    if not name or not name.strip():
        raise GongConfigError.bad(
            "pipeline_name", name, "is empty: name the pipeline, e.g. gong (the default)"
        )
    try:
        FileStorage.validate_file_name_component(name)
    except Exception:
        suggestion = "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_")
        raise GongConfigError.bad(
            "pipeline_name", name,
            "is not a pipeline name: dlt keeps a pipeline in a folder of that name, which "
            "takes letters, digits, - and _ (no . % { } / or spaces)"
            + (f", e.g. {suggestion}" if suggestion else ""),
        ) from None  # fmt: skip
    return name


def stored_dataset_name(name: str, schema_name: str = "gong") -> str:
    """The dataset name as the destination stores it: dlt normalises it with the schema's
    naming convention (`x-y z` becomes `x_y_z`), so that is the name every message and
    `try:` command must use."""
    if not name or not name.strip():
        raise GongConfigError.bad(
            "dataset_name", name, "is empty: name the dataset, e.g. gong_data (the default)"
        )
    return str(dlt.Schema(schema_name).naming.normalize_table_identifier(name))


def check_destination(destination: Any, pipeline_name: str, dataset_name: str) -> Any:
    """The destination dlt would load into, its configuration resolved as the pipeline
    will resolve it (the same sections, the pipeline's name among them), without opening
    it: an unknown name, or credentials that are missing, is told now, as the
    destination's, before Gong is asked anything."""
    try:
        found = Destination.from_reference(destination)
    except Exception:
        choices = ", ".join(n for n in dlt.destinations.__all__ if n not in NOT_DESTINATIONS)
        raise GongConfigError.bad(
            "destination", destination,
            f"is not a dlt destination: use one of {choices}, or the name of one configured "
            "under [destination.<name>] with its destination_type",
        ) from None  # fmt: skip
    if found is None:
        return destination
    config = get_destination_client_initial_config(found, dataset_name)
    if hasattr(config, "local_dir"):
        config.local_dir = os.getcwd()  # the pipeline's own; only checked here, not kept
    try:
        with inject_section(ConfigSectionContext(pipeline_name=pipeline_name)):
            found.configuration(config)
    except ConfigFieldMissingException as exc:
        raise GongConfigError(missing_destination_config(exc, found.destination_name)) from None
    return found


def missing_destination_config(exc: ConfigFieldMissingException, name: str) -> str:
    """Which of the destination's fields are missing and where dlt reads them: the
    destination's, never to be mistaken for Gong's."""
    variable = f"DESTINATION__{name.upper()}"
    parts: list[str] = []
    fields: dict[str, Any] = getattr(type(exc.config), "get_resolvable_fields", dict)()
    for field, traces in exc.traces.items():
        nested = [t for t in traces if isinstance(t, LookupTraces)]
        if not nested:
            parts.append(
                f"its {field} is missing: set destination.{name}.{field} in .dlt/config.toml "
                f"or {variable}__{field.upper()}"
            )
            continue
        alternatives = " (or: ".join(", ".join(t.traces) for t in nested)
        alternatives += ")" * (len(nested) - 1)
        hint = fields.get(field)
        whole = ""
        inner = extract_inner_hint(hint) if hint is not None else None
        if isinstance(inner, type) and issubclass(inner, ConnectionStringCredentials):
            whole = (
                f", or the whole connection string as destination.{name}.{field} / "
                f"{variable}__{field.upper()}"
            )
        parts.append(
            f"its {field} are missing ({alternatives}): set them under "
            f"[destination.{name}.{field}] in .dlt/secrets.toml or as "
            f"{variable}__{field.upper()}__<FIELD> environment variables{whole}"
        )
    return f"the {name} destination is not configured: " + "; ".join(parts)


def proving_request(options: LoadOptions) -> ep.Endpoint:
    """The request that proves the credentials: Gong's workspaces when a workspace id is
    to be checked too, else the first one the load makes anyway (users, or workspaces
    when only that of the two is loaded)."""
    if options.workspace_id is not None:
        return ep.WORKSPACES
    if "users" not in options.tables and "workspaces" in options.tables:
        return ep.WORKSPACES
    return ep.USERS


def extra_requests(options: LoadOptions) -> int:
    """Requests the proof adds to a run: 0 when the load makes the same request first
    (its answer is kept for it), else 1."""
    endpoint = proving_request(options)
    table = "users" if endpoint is ep.USERS else "workspaces"
    return 0 if table in options.tables else 1


def prove_credentials(client: GongClient, options: LoadOptions) -> None:
    """One request: a rejected key fails here (`GongAuthError`, exit 2), and an unknown
    `workspace_id` is refused with the company's workspaces listed. A missing scope is an
    answer too: Gong knew the key (the scope matters only to the tables that need it,
    whose own request says so)."""
    endpoint = proving_request(options)
    try:
        answer = client.request(endpoint)
    except GongAuthError as exc:
        if exc.scope is None:
            raise
        return
    if answer is None:
        return
    client.remember(endpoint, answer)
    if options.workspace_id is None:
        return
    listed = answer.get("workspaces") or []
    if any(str(w.get("id")) == options.workspace_id for w in listed):
        return
    known = ", ".join(f"{w.get('id')} ({w.get('name')})" for w in listed) or "none listed"
    raise GongConfigError.bad(
        "workspace_id", options.workspace_id,
        f"is not a workspace of this company: its workspaces are {known}",
    )  # fmt: skip


def leave_out_ungranted(options: LoadOptions, granted: frozenset[str] | None) -> LoadOptions:
    """The default tables an OAuth app may load: those needing a scope the token answer did
    not list are left out, with one warning naming them and the scopes, so that a default
    run of a narrow app loads what it can instead of failing at its first refusal. Tables
    the user named are kept (Gong's own refusal then says what is missing), and so is
    everything when Gong's answer named no scopes."""
    if granted is None:
        return options
    missing: dict[str, list[str]] = {}
    for name in options.tables:
        needed = BY_NAME[name].scopes_with(options.exclude, options.retained_from is not None)
        lacking = [s for s in needed if s not in granted]
        if lacking:
            missing.setdefault(", ".join(lacking), []).append(name)
    if not missing:
        return options
    kept = tuple(t for t in options.tables if not any(t in ts for ts in missing.values()))
    told = "; ".join(f"{scope} ({', '.join(names)})" for scope, names in missing.items())
    if not kept:
        raise GongConfigError(
            f"this OAuth app was granted none of the scopes the default tables need: {told}; "
            "add them to the app in Gong and authorize it again"
        )
    logger.warning(
        "left out of this run, as this OAuth app was not granted their scopes: %s; to load "
        "them, add the scopes to the app in Gong and authorize it again",
        told,
    )
    return dataclasses.replace(options, tables=kept)
