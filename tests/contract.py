"""OpenAPI contract validation for Gong API v2 exchanges (the real API, recordings, the sandbox).

The arbiter is Gong's own OpenAPI 3.0.1 document, ``spec/gong-openapi.json``. Where recordings of
the real API contradict it, the recordings win; every such contradiction is listed in
``DEVIATIONS`` (the one place for them) and patched into an in-memory copy of the spec. Nothing
else is relaxed.

Usage::

    from contract import ContractValidator, Exchange, same_shape

    problems = ContractValidator.default().check(exchange)  # [] when valid
    problems = ContractValidator.default().check(exchange, allow_faults=True)

``exchange`` is any object with the attributes of ``Exchange`` (duck-typed). Each problem is a
string that starts with ``[request]``, ``[response]`` or ``[fault]``. Faults are transport-level
breakage rather than contract violations (a body that is not JSON, e.g. truncated by fault
injection; no response at all; a 502/503/504 gateway status) and are dropped with
``allow_faults=True``. Paths outside ``/v2`` are skipped.

``same_shape(expected, actual)`` compares two JSON documents structurally (keys and value types,
null compatible with anything); ``load_observations()`` returns the recorded real responses with
the recorder's "...N more" truncation markers removed.

This module imports nothing from ``dlt_gong`` (in particular not ``dlt_gong.sandbox``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.validation.request.exceptions import (
    ParameterValidationError,
    RequestBodyValidationError,
)
from openapi_core.validation.response.exceptions import (
    DataValidationError,
    HeaderValidationError,
)
from werkzeug.datastructures import Headers, ImmutableMultiDict

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "spec" / "gong-openapi.json"
OBSERVATIONS_PATH = ROOT / "spec" / "observed-responses.json"

# The 29 read operations the dlt source uses; the deviations below were researched for these.
READ_OPERATIONS: tuple[tuple[str, str], ...] = (
    ("GET", "/v2/users"),
    ("POST", "/v2/users/extensive"),
    ("GET", "/v2/users/{id}/settings-history"),
    ("GET", "/v2/calls"),
    ("POST", "/v2/calls/extensive"),
    ("POST", "/v2/calls/transcript"),
    ("POST", "/v2/stats/activity/aggregate"),
    ("POST", "/v2/stats/activity/aggregate-by-period"),
    ("POST", "/v2/stats/activity/day-by-day"),
    ("POST", "/v2/stats/interaction"),
    ("POST", "/v2/stats/activity/scorecards"),
    ("GET", "/v2/settings/scorecards"),
    ("GET", "/v2/settings/trackers"),
    ("GET", "/v2/workspaces"),
    ("GET", "/v2/library/folders"),
    ("GET", "/v2/library/folder-content"),
    ("GET", "/v2/call-outcomes"),
    ("GET", "/v2/logs"),
    ("GET", "/v2/coaching"),
    ("GET", "/v2/flows"),
    ("GET", "/v2/flows/folders"),
    ("POST", "/v2/flows/steps"),
    ("GET", "/v2/all-permission-profiles"),
    ("GET", "/v2/permission-profile/users"),
    ("GET", "/v2/crm/integrations"),
    ("GET", "/v2/crm/entity-schema"),
    ("POST", "/v2/calls/users-access"),
    ("GET", "/v2/settings/briefs"),
    ("POST", "/v2/tasks"),
)

# --------------------------------------------------------------------------------------------
# DEVIATIONS: where real Gong contradicts its spec
# --------------------------------------------------------------------------------------------

ID_STRING: dict[str, Any] = {"type": "string", "pattern": "^-?[0-9]{1,20}$"}
INT_STRING: dict[str, Any] = {"type": "string", "pattern": "^-?[0-9]{1,10}$"}


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }


_RATE_LIMITED: dict[str, Any] = {
    "description": "API request limit exceeded (added: contract DEVIATIONS)",
    "headers": {
        "Retry-After": {
            "description": "Number of seconds to wait before making a new request.",
            "style": "simple",
            "explode": False,
            "schema": {"type": "integer", "format": "int32"},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


DeviationOp = Literal["replace", "merge", "add", "nullable"]


@dataclass(frozen=True, eq=False)
class Deviation:
    """One contradiction between real Gong and its spec, as a patch to the spec.

    ``location`` is a JSON pointer into the spec; a segment ``[name=X]`` selects the list item
    whose ``name`` is X. ``op``:

    * ``replace``: the node at ``location`` becomes ``value`` (its ``description`` is kept);
      ``expect`` lists keys the original node must have, so a spec update is noticed.
    * ``merge``: keys of ``value`` are set on the existing node.
    * ``add``: ``value`` is added at ``location``, which must not exist yet.
    * ``nullable``: every typed property of every schema reachable from the responses of
      ``READ_OPERATIONS`` gets ``nullable: true`` (``location`` only describes that scope).
    """

    key: str
    op: DeviationOp
    location: str
    value: Any
    reason: str
    expect: Mapping[str, Any] | None = None


_SC = "/components/schemas"
_INT64 = {"type": "integer", "format": "int64"}
_INT32 = {"type": "integer", "format": "int32"}
_LIST_SCORECARDS = "observed-responses list-scorecards, get-scorecard, scorecards"
_ANSWERED = (
    "API.md §2/§3.11: ids are decimal strings everywhere they were seen, incl. the int64-typed "
    "settings scorecards ids (same spec generator); Airbyte types them as strings (unobserved)"
)

DEVIATIONS: tuple[Deviation, ...] = (
    # ---- ids typed integer/int64 in the spec but sent as decimal strings ----------------------
    *(
        Deviation(
            f"Scorecard.{prop}:string",
            "replace",
            f"{_SC}/Scorecard/properties/{prop}",
            ID_STRING,
            f"{_LIST_SCORECARDS}: {prop} is a decimal string, e.g. {example}",
            _INT64,
        )
        for prop, example in (
            ("scorecardId", '"9067931441193858457"'),
            ("workspaceId", '"7273476131570014205"'),
            ("updaterUserId", '"-1" (system)'),
        )
    ),
    *(
        Deviation(
            f"Question.{prop}:string",
            "replace",
            f"{_SC}/Question/properties/{prop}",
            ID_STRING,
            f"{_LIST_SCORECARDS}: questions[].{prop} is a decimal string, e.g. {example}",
            _INT64,
        )
        for prop, example in (
            ("questionId", '"9013292953945730400"'),
            ("questionRevisionId", '"3868116555550662381"'),
        )
    ),
    *(
        Deviation(
            f"Question.{prop}:string",
            "replace",
            f"{_SC}/Question/properties/{prop}",
            INT_STRING,
            f"{_LIST_SCORECARDS}: questions[].{prop} is a numeric string ({example}), not int32",
            _INT32,
        )
        for prop, example in (("minRange", '"1"'), ("maxRange", '"5"'))
    ),
    *(
        Deviation(
            f"AnsweredScorecard.{prop}:string",
            "replace",
            f"{_SC}/AnsweredScorecard/properties/{prop}",
            ID_STRING,
            f"{_ANSWERED}: answeredScorecards[].{prop}",
            _INT64,
        )
        for prop in (
            "answeredScorecardId",
            "scorecardId",
            "callId",
            "reviewedUserId",
            "reviewerUserId",
            "editorUserId",
        )
    ),
    *(
        Deviation(
            f"Answer.{prop}:string",
            "replace",
            f"{_SC}/Answer/properties/{prop}",
            ID_STRING,
            f"{_ANSWERED}: answeredScorecards[].answers[].{prop}",
            _INT64,
        )
        for prop in ("questionId", "questionRevisionId")
    ),
    # ---- CRM context field values are scalars, not objects ------------------------------------
    *(
        Deviation(
            f"{schema}.value:any",
            "replace",
            f"{_SC}/{schema}/properties/value",
            {},
            "API.md §3.5 + PEERS.md (tap-gong calls.py: 'value = string ... others value = 5'); "
            "the spec's own example is the string 'Gong Inc.': CRM field values are any JSON",
            {"type": "object"},
        )
        for schema in ("ContextField", "PartyContextField")
    ),
    # ---- GET /v2/calls: fromDateTime/toDateTime are optional -----------------------------------
    *(
        Deviation(
            f"GET /v2/calls?{name}:optional",
            "merge",
            f"/paths/~1v2~1calls/get/parameters/[name={name}]",
            {"required": False},
            "observed-responses list-calls: GET /v2/calls with no parameters got the normal "
            "'No calls found' 404, not a 400; the spec's own text says 'If not provided ...'",
            {"required": True},
        )
        for name in ("fromDateTime", "toDateTime")
    ),
    # ---- 401 on operations whose spec lists only 403 -------------------------------------------
    *(
        Deviation(
            f"{path} 401",
            "add",
            f"/paths/{path.replace('/', '~1')}/get/responses/401",
            _error_response("Bad credentials or missing OAuth scope (added: contract DEVIATIONS)"),
            "observed-responses get-coaching-metrics: GET /v2/coaching (spec: 403, no 401) "
            "answered 401; bad credentials / missing scope give 401 on every endpoint "
            "(API.md §2.2; PostHog validate_credentials treats 401 from /v2/workspaces as "
            "invalid key)",
        )
        for path in ("/v2/users", "/v2/workspaces", "/v2/call-outcomes", "/v2/coaching")
    ),
    Deviation(
        "/v2/tasks 401",
        "add",
        "/paths/~1v2~1tasks/post/responses/401",
        _error_response("Bad credentials or missing OAuth scope (added: contract DEVIATIONS)"),
        "observed-responses get-coaching-metrics: an endpoint whose spec lists 403 and no 401 "
        "answered 401 for a missing scope; POST /v2/tasks (spec: 403 only) is documented to "
        "need 'api:tasks:read' the same way",
    ),
    # ---- 429 on operations whose spec lists none -----------------------------------------------
    *(
        Deviation(
            f"{method} {path} 429",
            "add",
            f"/paths/{path.replace('/', '~1')}/{method.lower()}/responses/429",
            _RATE_LIMITED,
            "the spec's own info.description 'Limits': 3 calls/s and 10,000/day per company, and "
            "'When the rate of API calls exceeds these limits an HTTP status code 429 is "
            "returned and a Retry-After header' (API.md §2.2): the limit is company-wide, yet "
            "this operation's responses omit 429",
        )
        for method, path in (
            ("GET", "/v2/all-permission-profiles"),
            ("GET", "/v2/permission-profile/users"),
            ("GET", "/v2/crm/integrations"),
            ("POST", "/v2/calls/users-access"),
        )
    ),
    # ---- audit log records hold any JSON -------------------------------------------------------
    Deviation(
        "logEntry.logRecord:any",
        "replace",
        f"{_SC}/logEntry/properties/logRecord",
        {"type": "object", "additionalProperties": {}},
        "observed-responses get-logs: logRecord values are strings (auditId), arrays "
        "(tableChanges, customData), objects (httpRequest) and null (action), not only objects",
        {"type": "object"},
    ),
    # ---- absent optional values are null --------------------------------------------------------
    Deviation(
        "responses:nullable",
        "nullable",
        f"{_SC}/<reachable from READ_OPERATIONS responses>/properties/<typed, non-$ref>",
        {"nullable": True},
        "observed-responses list-users/users/list-trackers/list-scorecards/list-call-outcomes/"
        "list-library-folders: unset optional fields are sent as null (title, managerId, "
        "conferencingProviders, creatorUserId, answerGuide, automation, parentFolderId, ...)",
    ),
)


# --------------------------------------------------------------------------------------------
# Building the effective spec
# --------------------------------------------------------------------------------------------


@cache
def _raw_spec_text() -> str:
    return SPEC_PATH.read_text(encoding="utf-8")


def _normalize(node: Any) -> Any:
    """Mechanical fixes that make the generator output valid OAS 3.0.1; no behaviour changes.

    The file carries swagger-core internals (``exampleSetFlag``, ``types``), upper-case parameter
    ``style`` values ("FORM", "SIMPLE") and an empty ``components.extensions``; openapi-core's
    spec validator rejects all of them.
    """
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in ("exampleSetFlag", "types") and not isinstance(value, dict):
                continue
            if key in ("example", "description") and not isinstance(value, dict):
                out[key] = value
            elif key == "style" and isinstance(value, str):
                out[key] = value.lower()
            else:
                out[key] = _normalize(value)
        return out
    if isinstance(node, list):
        return [_normalize(v) for v in node]
    return node


def _resolve_token(parent: Any, token: str, pointer: str) -> Any:
    token = token.replace("~1", "/").replace("~0", "~")
    match = re.fullmatch(r"\[name=(.+)\]", token)
    if match and isinstance(parent, list):
        for item in parent:
            if isinstance(item, dict) and item.get("name") == match.group(1):
                return item
        raise KeyError(f"{pointer}: no item named {match.group(1)!r}")
    if isinstance(parent, list):
        return parent[int(token)]
    if token not in parent:
        raise KeyError(f"{pointer}: {token!r} not found")
    return parent[token]


def _split(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return pointer[1:].split("/")


def _parent_and_key(spec: dict[str, Any], pointer: str) -> tuple[Any, str]:
    tokens = _split(pointer)
    node: Any = spec
    for token in tokens[:-1]:
        node = _resolve_token(node, token, pointer)
    return node, tokens[-1].replace("~1", "/").replace("~0", "~")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _response_schema_names(spec: Mapping[str, Any]) -> set[str]:
    """Component schemas reachable from the responses of READ_OPERATIONS."""
    schemas = spec["components"]["schemas"]
    todo = [
        name
        for method, path in READ_OPERATIONS
        for name in _refs(spec["paths"][path][method.lower()]["responses"])
    ]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas[name]))
    return seen


def _make_properties_nullable(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    for prop in schema.get("properties", {}).values():
        if isinstance(prop, dict) and "type" in prop and "$ref" not in prop:
            prop["nullable"] = True
            if "enum" in prop and None not in prop["enum"]:
                prop["enum"] = [*prop["enum"], None]  # OAS 3.0.3: null must be in the enum
        _make_properties_nullable(prop)
    _make_properties_nullable(schema.get("items"))


def apply_deviations(spec: dict[str, Any], deviations: Iterable[Deviation]) -> dict[str, Any]:
    """Patch ``spec`` in place with ``deviations`` (in order) and return it."""
    for dev in deviations:
        if dev.op == "nullable":
            for name in sorted(_response_schema_names(spec)):
                _make_properties_nullable(spec["components"]["schemas"][name])
            continue
        parent, key = _parent_and_key(spec, dev.location)
        if dev.op == "add":
            if key in parent:
                raise ValueError(f"deviation {dev.key!r} is obsolete: {dev.location} exists")
            parent[key] = copy.deepcopy(dev.value)
            continue
        node = _resolve_token(parent, key, dev.location)
        for k, v in (dev.expect or {}).items():
            if node.get(k) != v:
                raise ValueError(
                    f"deviation {dev.key!r}: spec has {k}={node.get(k)!r} at {dev.location}, "
                    f"expected {v!r} (spec changed?)"
                )
        if dev.op == "merge":
            node.update(copy.deepcopy(dev.value))
        elif dev.op == "replace":
            new = copy.deepcopy(dev.value)
            if "description" in node:
                new["description"] = node["description"]
            parent[key] = new
        else:  # pragma: no cover - guarded by the Literal type
            raise ValueError(f"unknown op {dev.op!r}")
    return spec


def build_spec(deviations: Iterable[Deviation] = DEVIATIONS) -> dict[str, Any]:
    """A fresh, normalized, patched copy of the spec (the file is never modified)."""
    spec: dict[str, Any] = _normalize(json.loads(_raw_spec_text()))
    spec["servers"] = [{"url": "/"}]  # the file's https://127.0.0.1:8443 is a generator artefact
    spec.get("components", {}).pop("extensions", None)
    return apply_deviations(spec, deviations)


# --------------------------------------------------------------------------------------------
# Exchanges and problems
# --------------------------------------------------------------------------------------------


class ExchangeLike(Protocol):
    """What ``check`` reads from an exchange (read-only attributes suffice)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...  # "/v2/calls/extensive"; a "?query" suffix is tolerated
    @property
    def query(self) -> Any: ...  # Mapping[str, str] or a sequence of (name, value) pairs
    @property
    def request_body(self) -> bytes | None: ...
    @property
    def status(self) -> int: ...  # 0 = no response (connection reset)
    @property
    def response_headers(self) -> Mapping[str, str]: ...
    @property
    def response_body(self) -> bytes: ...


@dataclass
class Exchange:
    """One HTTP request/response pair. ``request_headers`` is optional (content type only)."""

    method: str
    path: str
    query: Mapping[str, str] | Sequence[tuple[str, str]] = field(default_factory=dict)
    request_body: bytes | None = None
    status: int = 200
    response_headers: Mapping[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    request_headers: Mapping[str, str] = field(default_factory=dict)


ProblemKind = Literal["request", "response", "fault"]


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.message}"


GATEWAY_STATUSES = frozenset({502, 503, 504})
JSON_CONTENT_TYPE = "application/json"


class _Request:
    """openapi-core ``Request`` protocol adapter."""

    host_url = "http://127.0.0.1"

    def __init__(
        self, method: str, path: str, query: Any, body: bytes | None, content_type: str
    ) -> None:
        self.method = method.lower()
        self.path = path
        pairs = list(query.items()) if isinstance(query, Mapping) else list(query or ())
        self.parameters = RequestParameters(query=ImmutableMultiDict(pairs))
        self.body = body
        self.content_type = content_type
        self.full_url_pattern = self.host_url + path


class _Response:
    """openapi-core ``Response`` protocol adapter."""

    def __init__(self, status: int, headers: Headers, data: bytes, content_type: str) -> None:
        self.status_code = status
        self.headers = headers
        self.data = data
        self.content_type = content_type


def _json_path(path: Iterable[Any]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _label(exc: BaseException) -> str:
    if isinstance(exc, ParameterValidationError):
        return f"{exc.location} parameter {exc.name!r}"
    if isinstance(exc, RequestBodyValidationError):
        return "body"
    if isinstance(exc, HeaderValidationError):
        return f"header {exc.name!r}"
    if isinstance(exc, DataValidationError):
        return "body"
    return type(exc).__name__


def _messages(prefix: str, exc: BaseException) -> list[str]:
    """Readable messages from an openapi-core error and its cause chain."""
    label = f"{prefix} {_label(exc)}"
    cause: BaseException | None = exc
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors is not None:
            out: list[str] = []
            nulls: set[str] = set()
            for err in schema_errors:
                loc = _json_path(getattr(err, "absolute_path", ()))
                msg = getattr(err, "message", str(err))
                if msg == "None for not nullable":
                    nulls.add(loc)
                    msg = "null is not allowed (not nullable)"
                elif msg.startswith("None is not of type") and loc in nulls:
                    continue
                out.append(f"{label} {loc}: {msg}")
            if out:
                return out
        cause = cause.__cause__
    text = str(exc)
    if exc.__cause__ is not None and str(exc.__cause__) not in text:
        text += f" ({exc.__cause__})"
    return [f"{label}: {text}"]


class ContractValidator:
    """Validates exchanges against the spec patched with ``deviations``."""

    def __init__(
        self, deviations: Iterable[Deviation] = DEVIATIONS, *, validate_spec: bool = False
    ) -> None:
        self.deviations = tuple(deviations)
        self.spec = build_spec(self.deviations)
        # The patched spec is checked by openapi-spec-validator in the tests; skipping it here
        # keeps construction at ~10 ms instead of ~0.7 s.
        config = None if validate_spec else Config(spec_validator_cls=None)
        self.app = OpenAPI.from_dict(self.spec, config=config)

    @classmethod
    def default(cls) -> ContractValidator:
        """The process-wide validator with all DEVIATIONS (built once)."""
        return _default_validator()

    def check(self, exchange: ExchangeLike, allow_faults: bool = False) -> list[str]:
        """Human-readable problems; empty when the exchange honours the contract."""
        return [str(p) for p in self.problems(exchange) if not (allow_faults and p.kind == "fault")]

    def problems(self, exchange: ExchangeLike) -> list[Problem]:
        path, _, query_string = exchange.path.partition("?")
        if not (path == "/v2" or path.startswith("/v2/")):
            return []
        query: Any = getattr(exchange, "query", None) or {}
        if query_string:
            extra = parse_qsl(query_string, keep_blank_values=True)
            query = (list(query.items()) if isinstance(query, Mapping) else list(query)) + extra
        body = exchange.request_body
        req_headers = Headers(dict(getattr(exchange, "request_headers", None) or {}))
        req_ct = req_headers.get("content-type") or (JSON_CONTENT_TYPE if body else "")
        request = _Request(exchange.method, path, query, body, req_ct.lower())
        where = f"{exchange.method.upper()} {path}"

        problems: list[Problem] = []
        for error in self.app.request_validator.iter_errors(request):
            if isinstance(error, (PathNotFound, OperationNotFound)):
                return [Problem("request", f"{where}: no such operation in the spec ({error})")]
            problems.extend(Problem("request", m) for m in _messages(where, error))

        status = exchange.status
        raw = exchange.response_body or b""
        headers = Headers(dict(exchange.response_headers or {}))
        content_type = (headers.get("content-type") or "").lower()
        if not status:
            problems.append(Problem("fault", f"{where}: no HTTP response (connection reset?)"))
            return problems
        if status in GATEWAY_STATUSES:
            problems.append(
                Problem("fault", f"{where}: gateway status {status} (not part of Gong's contract)")
            )
            return problems
        if not raw.strip():
            problems.append(Problem("fault", f"{where}: status {status} with an empty body"))
            return problems
        try:
            json.loads(raw)
        except ValueError as exc:
            problems.append(
                Problem(
                    "fault",
                    f"{where}: status {status} body is not JSON ({exc}; {len(raw)} bytes, "
                    f"starts {raw[:40]!r})",
                )
            )
            return problems
        if not content_type:
            problems.append(Problem("response", f"{where}: no Content-Type header"))
            content_type = JSON_CONTENT_TYPE
        elif content_type.split(";")[0].strip() != JSON_CONTENT_TYPE:
            problems.append(
                Problem("response", f"{where}: Content-Type {content_type!r} is not JSON")
            )
            content_type = JSON_CONTENT_TYPE

        response = _Response(status, headers, raw, content_type)
        for error in self.app.response_validator.iter_errors(request, response):
            if isinstance(error, ResponseNotFound):
                documented = ", ".join(sorted(str(s) for s in error.availableresponses))
                problems.append(
                    Problem(
                        "response",
                        f"{where}: status {status} is not documented (documented: {documented})",
                    )
                )
            else:
                problems.extend(
                    Problem("response", m) for m in _messages(f"{where} -> {status}", error)
                )
        return problems


@cache
def _default_validator() -> ContractValidator:
    return ContractValidator()


def check(exchange: ExchangeLike, allow_faults: bool = False) -> list[str]:
    """``ContractValidator.default().check(...)``."""
    return ContractValidator.default().check(exchange, allow_faults=allow_faults)


# --------------------------------------------------------------------------------------------
# Observations (recordings of the real API)
# --------------------------------------------------------------------------------------------

_TRUNCATION_MARKER = re.compile(r"\.\.\.\d+ more")


def strip_truncation_markers(doc: Any) -> Any:
    """Drop the extract's "...N more" strings that stand for array items it cut away."""
    if isinstance(doc, dict):
        return {k: strip_truncation_markers(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [
            strip_truncation_markers(v)
            for v in doc
            if not (isinstance(v, str) and _TRUNCATION_MARKER.fullmatch(v))
        ]
    return doc


def load_observations(path: Path = OBSERVATIONS_PATH) -> list[dict[str, Any]]:
    """The recorded real exchanges, bodies cleaned of truncation markers."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for obs in data["observations"]:
        obs = dict(obs)
        obs["body"] = strip_truncation_markers(obs["body"])
        out.append(obs)
    return out


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


_READ_OPERATION_PATTERNS = [(m, t, _template_regex(t)) for m, t in READ_OPERATIONS]


def read_operation(method: str, path: str) -> tuple[str, str] | None:
    """The READ_OPERATIONS entry matching a concrete request, if any."""
    for m, template, regex in _READ_OPERATION_PATTERNS:
        if m == method.upper() and regex.match(path):
            return (m, template)
    return None


def observation_exchange(obs: Mapping[str, Any]) -> Exchange:
    """An ``Exchange`` for one observation.

    The recorder dropped all headers of some fixtures (library ones have ``{}``); those get
    Gong's usual ``application/json;charset=UTF-8`` back.
    """
    request = obs.get("request") or {}
    body = json.dumps(request["data"]).encode() if "data" in request else None
    headers = dict(obs.get("headers") or {}) or {"content-type": "application/json;charset=UTF-8"}
    return Exchange(
        method=obs["method"],
        path=obs["path"],
        query={k: str(v) for k, v in (request.get("params") or {}).items()},
        request_body=body,
        status=obs["status"],
        response_headers=headers,
        response_body=json.dumps(obs["body"]).encode(),
    )


# --------------------------------------------------------------------------------------------
# Structural comparison
# --------------------------------------------------------------------------------------------


def _scalar_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    raise TypeError(f"not a JSON value: {value!r}")


def _merge(a: Any, b: Any) -> Any:
    if a == "null":
        return b
    if b == "null":
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = _merge(out[k], v) if k in out else v
        return out
    if isinstance(a, list) and isinstance(b, list):
        if not a or not b:
            return a or b
        return [_merge(a[0], b[0])]
    kinds = set(_kinds(a)) | set(_kinds(b))
    return "|".join(sorted(kinds))


def _kinds(s: Any) -> list[str]:
    if isinstance(s, dict):
        return ["object"]
    if isinstance(s, list):
        return ["array"]
    return str(s).split("|")


def shape(value: Any) -> Any:
    """The shape of a JSON value.

    Scalars become "string" / "number" (ints and floats alike) / "boolean" / "null"; objects a
    dict of their keys' shapes; arrays a one-item list with the merged shape of all items (``[]``
    when empty). Items of different scalar kinds merge into e.g. "number|string"; null merges
    into anything.
    """
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            s = shape(item)
            merged = s if merged is None else _merge(merged, s)
        return [] if merged is None else [merged]
    return _scalar_kind(value)


def _describe(s: Any) -> str:
    return "|".join(_kinds(s))


def _compare(expected: Any, actual: Any, path: str, out: list[str]) -> None:
    if expected == "null" or actual == "null":
        return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for k in expected:
            if k not in actual:
                out.append(f"{path}.{k}: missing (expected {_describe(expected[k])})")
        for k in actual:
            if k not in expected:
                out.append(f"{path}.{k}: unexpected key ({_describe(actual[k])})")
        for k in expected:
            if k in actual:
                _compare(expected[k], actual[k], f"{path}.{k}", out)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if expected and actual:
            _compare(expected[0], actual[0], f"{path}[*]", out)
        return
    if not set(_kinds(actual)) <= set(_kinds(expected)):
        out.append(
            f"{path}: type mismatch: expected {_describe(expected)}, got {_describe(actual)}"
        )


def same_shape(expected: Any, actual: Any) -> list[str]:
    """Structural differences between two JSON documents, as JSONPath-prefixed messages.

    Reports keys missing from ``actual``, keys only in ``actual`` ("unexpected key") and type
    mismatches (a kind in ``actual`` that ``expected`` does not have at that path). null is
    compatible with anything; ints and floats are both "number"; arrays are compared by their
    items' merged shapes (an empty array matches any array; keys are merged across items). An
    empty list means the shapes agree.
    """
    out: list[str] = []
    _compare(shape(expected), shape(actual), "$", out)
    return out
