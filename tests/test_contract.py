"""Tests of the OpenAPI contract harness in tests/contract.py."""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import contract
else:
    try:
        import contract
    except ModuleNotFoundError:  # tests/ turned into a package
        from tests import contract

from openapi_spec_validator import validate as validate_openapi

Exchange = contract.Exchange
JSON_UTF8 = {"content-type": "application/json;charset=UTF-8"}
SPEC_SHA256 = "bdc807819596349e3ec79e2f590f8c49325a0c29556fcfbdb7d473852abd5382"  # API.md §0


def _ex(
    method: str,
    path: str,
    status: int,
    body: Any,
    request: Any = None,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> contract.Exchange:
    return Exchange(
        method=method,
        path=path,
        query=dict(query or {}),
        request_body=None if request is None else json.dumps(request).encode(),
        status=status,
        response_headers=dict(headers or JSON_UTF8),
        response_body=body if isinstance(body, bytes) else json.dumps(body).encode(),
    )


READ_OBSERVATIONS = [
    o
    for o in contract.load_observations()
    if contract.read_operation(o["method"], o["path"]) is not None
]

# Realistic exchanges for deviations that rest on documentation rather than on a recording
# (shapes and messages from /work/shared/gong/API.md §2.2, §3.5, §3.11).
_BAD_CREDENTIALS = {
    "requestId": "4al018gzaztcr8nbukw",
    "errors": ["Validate credentials failed. Please check your credentials and try again."],
}
_WWW_AUTH = {**JSON_UTF8, "www-authenticate": 'Basic realm="Gong.io API"'}
_ANSWERED_SCORECARD = {
    "answeredScorecardId": "563515258458745",
    "scorecardId": "6843152929075440037",
    "scorecardName": "SDR Call Scorecard",
    "callId": "7782342274025937895",
    "callStartTime": "2026-06-09T10:01:12-07:00",
    "reviewedUserId": "234599484848423",
    "reviewerUserId": "563515258458745",
    "reviewMethod": "MANUAL",
    "editorUserId": "733525198384216",
    "reviewTime": "2026-06-10T09:00:00-07:00",
    "visibilityType": "PUBLIC",
    "answers": [
        {
            "questionId": "9013292953945730400",
            "questionRevisionId": "43955224753211112",
            "isOverall": True,
            "score": 4,
            "answerText": "Done a great job.",
            "notApplicable": False,
            "selectedOptions": None,
        }
    ],
}
_EXTENSIVE_CALL = {
    "metaData": {
        "id": "7782342274025937895",
        "url": "https://us-66463.app.gong.io/call?id=7782342274025937895",
        "title": "Acme <> Initech discovery",
        "scheduled": "2026-06-09T10:00:00-07:00",
        "started": "2026-06-09T10:01:12.310-07:00",
        "duration": 2714,
        "primaryUserId": "234599484848423",
        "direction": "Conference",
        "system": "Zoom",
        "scope": "External",
        "media": "Video",
        "language": "eng",
        "workspaceId": "623457276584334",
        "sdrDisposition": None,
        "clientUniqueId": None,
        "customData": None,
        "purpose": None,
        "meetingUrl": "https://zoom.us/j/123",
        "isPrivate": False,
        "calendarEventId": "abcde@google.com",
    },
    "context": [
        {
            "system": "Salesforce",
            "objects": [
                {
                    "objectType": "Opportunity",
                    "objectId": "0013601230sV7grAAC",
                    "fields": [{"name": "Amount", "value": 12000}],
                    "timing": "Now",
                }
            ],
        }
    ],
    "parties": [
        {
            "id": "56825452554556",
            "emailAddress": "test@test.com",
            "name": "Test User",
            "title": "Enterprise Account Executive",
            "userId": "234599484848423",
            "speakerId": "6432345678555530067",
            "affiliation": "Internal",
            "phoneNumber": "+1 123-567-8989",
            "methods": ["Invitee", "Attendee"],
            "context": [
                {
                    "system": "Salesforce",
                    "objects": [
                        {
                            "objectType": "Contact",
                            "objectId": "0033601230sV7grAAC",
                            "fields": [{"name": "Email", "value": "test@test.com"}],
                            "timing": "Now",
                        }
                    ],
                }
            ],
        }
    ],
    "interaction": {"interactionStats": [{"name": "Talk Ratio", "value": 0.43}]},
}
DOCUMENTED_EXAMPLES: dict[str, contract.Exchange] = {
    "GET /v2/settings/briefs 200 (spec example fields)": _ex(
        "GET",
        "/v2/settings/briefs",
        200,
        {
            "requestId": "4al018gzaztcr8nbukw",
            "briefs": [
                {
                    "briefId": "7782342274025937895",
                    "briefName": "Account brief",
                    "workspaceId": "623457276584334",
                    "description": None,
                    "status": "Published",
                    "creator": "Jon Snow",
                    "creatorUserId": "234599484848423",
                    "created": "2018-02-17T02:30:00-08:00",
                    "updated": "2018-02-17T02:30:00-08:00",
                }
            ],
        },
        query={"workspaceId": "623457276584334"},
    ),
    **{
        f"{method} {path} 429 rate limited": _ex(
            method,
            path,
            429,
            {"requestId": "4al018gzaztcr8nbukw", "errors": ["API request limit exceeded"]},
            {"filter": {"callIds": ["7782342274025937895"]}} if method == "POST" else None,
            query,
            {**JSON_UTF8, "retry-after": "1"},
        )
        for method, path, query in (
            ("GET", "/v2/all-permission-profiles", {"workspaceId": "623457276584334"}),
            ("GET", "/v2/permission-profile/users", {"profileId": "3843152912968920037"}),
            ("GET", "/v2/crm/integrations", {}),
            ("POST", "/v2/calls/users-access", {}),
        )
    },
    "POST /v2/tasks 401 missing scope": _ex(
        "POST",
        "/v2/tasks",
        401,
        {
            "requestId": "45npxoqd2cxbtmugxv6",
            "errors": ["You don't have permission to use 'api:tasks:read' in your app."],
        },
        {
            "filter": {
                "userId": "1597409306735779049",
                "types": ["MANUAL", "FLOW"],
                "taskAction": ["CALL"],
                "status": ["OPEN"],
            }
        },
    ),
    "GET /v2/users 401 bad credentials": _ex(
        "GET", "/v2/users", 401, _BAD_CREDENTIALS, None, None, _WWW_AUTH
    ),
    "GET /v2/workspaces 401 bad credentials": _ex(
        "GET", "/v2/workspaces", 401, _BAD_CREDENTIALS, None, None, _WWW_AUTH
    ),
    "GET /v2/call-outcomes 401 missing scope": _ex(
        "GET",
        "/v2/call-outcomes",
        401,
        {
            "requestId": "5yeqcvwqglq7dxhkbs1",
            "errors": ["You don't have permission to use 'api:call-outcomes:read' in your app."],
        },
    ),
    "POST /v2/stats/activity/scorecards 200": _ex(
        "POST",
        "/v2/stats/activity/scorecards",
        200,
        {
            "requestId": "4al018gzaztcr8nbukw",
            "records": {"totalRecords": 2, "currentPageSize": 2, "currentPageNumber": 0},
            "answeredScorecards": [
                _ANSWERED_SCORECARD,
                {
                    **_ANSWERED_SCORECARD,
                    "answeredScorecardId": "7572903405772665558",
                    "reviewMethod": "AUTOMATIC",
                    "reviewerUserId": None,
                    "editorUserId": None,
                },
            ],
        },
        {
            "filter": {
                "reviewFromDate": "2026-06-01",
                "reviewToDate": "2026-06-12",
                "reviewMethod": "BOTH",
            }
        },
    ),
    "POST /v2/calls/extensive 200 with CRM context": _ex(
        "POST",
        "/v2/calls/extensive",
        200,
        {
            "requestId": "4al018gzaztcr8nbukw",
            "records": {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0},
            "calls": [_EXTENSIVE_CALL],
        },
        {
            "filter": {
                "fromDateTime": "2026-06-01T00:00:00Z",
                "toDateTime": "2026-06-10T00:00:00Z",
            },
            "contentSelector": {
                "context": "Extended",
                "exposedFields": {"parties": True, "interaction": {"personInteractionStats": True}},
            },
        },
    ),
}

ALL_CASES: list[tuple[str, contract.Exchange]] = [
    *((o["fixture"], contract.observation_exchange(o)) for o in READ_OBSERVATIONS),
    *DOCUMENTED_EXAMPLES.items(),
]


@pytest.fixture(scope="module")
def validator() -> contract.ContractValidator:
    return contract.ContractValidator.default()


# ---------------------------------------------------------------------------------------------
# The recordings and the documented cases pass; the spec is untouched and valid after patching
# ---------------------------------------------------------------------------------------------


# Read operations no recording covers; a documented example stands in for each.
UNRECORDED = {("GET", "/v2/settings/briefs")}


def test_observations_cover_all_read_operations() -> None:
    covered = {contract.read_operation(o["method"], o["path"]) for o in READ_OBSERVATIONS}
    assert len(READ_OBSERVATIONS) == 42
    # every read operation but the UNRECORDED has a recording
    assert covered == set(contract.READ_OPERATIONS) - UNRECORDED
    documented = {contract.read_operation(e.method, e.path) for e in DOCUMENTED_EXAMPLES.values()}
    assert documented >= UNRECORDED


@pytest.mark.parametrize(
    "obs", READ_OBSERVATIONS, ids=[f"{o['fixture']}-{o['status']}" for o in READ_OBSERVATIONS]
)
def test_observation_validates(validator: contract.ContractValidator, obs: dict[str, Any]) -> None:
    assert validator.check(contract.observation_exchange(obs)) == []


@pytest.mark.parametrize("name", list(DOCUMENTED_EXAMPLES))
def test_documented_example_validates(validator: contract.ContractValidator, name: str) -> None:
    assert validator.check(DOCUMENTED_EXAMPLES[name]) == []


def test_patched_spec_is_valid_openapi_and_file_untouched() -> None:
    spec = contract.build_spec()
    validate_openapi(spec)
    assert spec["servers"] == [{"url": "/"}]
    assert hashlib.sha256(contract.SPEC_PATH.read_bytes()).hexdigest() == SPEC_SHA256


def _target(dev: contract.Deviation) -> str:
    """Text a problem must contain when ``dev`` is missing."""
    if dev.op == "nullable":
        return "null is not allowed"
    last = dev.location.rsplit("/", 1)[-1]
    return last.removeprefix("[name=").removesuffix("]")


@pytest.mark.parametrize("dev", contract.DEVIATIONS, ids=[d.key for d in contract.DEVIATIONS])
def test_each_deviation_is_necessary(dev: contract.Deviation) -> None:
    reduced = contract.ContractValidator([d for d in contract.DEVIATIONS if d is not dev])
    target = _target(dev)
    for _name, exchange in ALL_CASES:
        problems = reduced.check(exchange)
        if any(target in p for p in problems):
            return
    pytest.fail(f"no observation or documented case needs deviation {dev.key!r}")


def test_deviations_are_unique_and_explained() -> None:
    keys = [d.key for d in contract.DEVIATIONS]
    assert len(keys) == len(set(keys))
    for dev in contract.DEVIATIONS:
        assert dev.reason and "\n" not in dev.reason
        assert dev.location.startswith("/")


def test_obsolete_deviation_is_detected() -> None:
    dev = contract.Deviation(
        "users 400", "add", "/paths/~1v2~1users/get/responses/400", {}, "already in the spec"
    )
    with pytest.raises(ValueError, match="obsolete"):
        contract.build_spec([dev])
    stale = contract.Deviation(
        "x", "replace", "/components/schemas/UserMetadata/properties/id", {}, "r", {"type": "x"}
    )
    with pytest.raises(ValueError, match="spec changed"):
        contract.build_spec([stale])


def test_deviations_are_scoped(validator: contract.ContractValidator) -> None:
    # GET /v2/crm/entities really answers 415, but it is outside the read operations: no
    # deviation documents that status.
    entities = next(
        o
        for o in contract.load_observations()
        if o["path"] == "/v2/crm/entities" and o["method"] == "GET"
    )
    problems = validator.check(contract.observation_exchange(entities))
    assert "[response] GET /v2/crm/entities: status 415 is not documented " \
        "(documented: 200, 400, 401, 429, 500)" in problems  # fmt: skip
    # Integer ids that no recording contradicts stay integers (QuestionOption.id).
    spec = contract.build_spec()
    option_id = spec["components"]["schemas"]["QuestionOption"]["properties"]["id"]
    assert option_id["type"] == "integer"


# ---------------------------------------------------------------------------------------------
# The validator is not vacuous
# ---------------------------------------------------------------------------------------------

_USERS_OK = {
    "requestId": "6i92pi42nibvos54vv4",
    "records": {"totalRecords": 1, "currentPageSize": 1, "currentPageNumber": 0},
    "users": [{"id": "413440499764841252", "emailAddress": "robin@nango.dev", "title": None}],
}


def test_valid_minimal_users_response(validator: contract.ContractValidator) -> None:
    assert validator.check(_ex("GET", "/v2/users", 200, _USERS_OK)) == []


def test_wrong_types_in_response(validator: contract.ContractValidator) -> None:
    body = {**_USERS_OK, "records": {"totalRecords": "4"}, "users": {"id": "1"}}
    problems = validator.check(_ex("GET", "/v2/users", 200, body))
    assert problems == [
        "[response] GET /v2/users -> 200 body $.records.totalRecords: '4' is not of type 'integer'",
        "[response] GET /v2/users -> 200 body $.users: {'id': '1'} is not of type 'array'",
    ]


def test_id_string_deviation_still_checks_digits(validator: contract.ContractValidator) -> None:
    body = {"scorecards": [{"scorecardId": "abc", "workspaceId": 7273476131570014205}]}
    problems = validator.check(_ex("GET", "/v2/settings/scorecards", 200, body))
    assert any("$.scorecards[0].scorecardId: 'abc' does not match" in p for p in problems)
    assert any(
        "$.scorecards[0].workspaceId: 7273476131570014205 is not of type 'string'" in p
        for p in problems
    )


def test_unknown_enum_in_request(validator: contract.ContractValidator) -> None:
    exchange = _ex(
        "POST",
        "/v2/stats/activity/scorecards",
        404,
        {"errors": ["No answered scorecards found corresponding to the provided filters."]},
        {"filter": {"reviewMethod": "SOMETIMES"}},
    )
    assert validator.check(exchange) == [
        "[request] POST /v2/stats/activity/scorecards body $.filter.reviewMethod: "
        "'SOMETIMES' is not one of ['AUTOMATIC', 'MANUAL', 'BOTH']"
    ]


def test_missing_required_fields_in_request(validator: contract.ContractValidator) -> None:
    no_filter = _ex("POST", "/v2/calls/extensive", 404, {"errors": ["x"]}, {"cursor": "abc"})
    assert validator.check(no_filter) == [
        "[request] POST /v2/calls/extensive body $: 'filter' is a required property"
    ]
    no_dates = _ex("POST", "/v2/stats/interaction", 400, {"errors": ["x"]}, {"filter": {}})
    assert validator.check(no_dates) == [
        "[request] POST /v2/stats/interaction body $.filter: 'fromDate' is a required property",
        "[request] POST /v2/stats/interaction body $.filter: 'toDate' is a required property",
    ]
    no_body = Exchange("POST", "/v2/users/extensive", {}, None, 400, JSON_UTF8, b'{"errors":[]}')
    assert validator.check(no_body) == [
        "[request] POST /v2/users/extensive body: Missing required request body"
    ]


def test_bad_query_parameter(validator: contract.ContractValidator) -> None:
    exchange = _ex("GET", "/v2/users", 200, _USERS_OK, query={"includeAvatars": "maybe"})
    (problem,) = validator.check(exchange)
    assert problem.startswith("[request] GET /v2/users query parameter 'includeAvatars'")
    assert "maybe" in problem


def test_undocumented_status(validator: contract.ContractValidator) -> None:
    exchange = _ex("GET", "/v2/users", 418, {"errors": ["I'm a teapot"]})
    assert validator.check(exchange) == [
        "[response] GET /v2/users: status 418 is not documented "
        "(documented: 200, 400, 401, 403, 429, 500)"
    ]
    # No 404 for the unfiltered GET /v2/users: "No users found corresponding to the provided
    # filters" is only evidenced for POST /v2/users/extensive (Nango) and the stats endpoints,
    # which document 404 already.
    no_users = {"errors": ["No users found corresponding to the provided filters"]}
    (problem,) = validator.check(_ex("GET", "/v2/users", 404, no_users))
    assert "status 404 is not documented" in problem
    assert validator.check(_ex("POST", "/v2/users/extensive", 404, no_users, {"filter": {}})) == []


def test_error_body_shape_is_checked(validator: contract.ContractValidator) -> None:
    exchange = _ex("GET", "/v2/calls", 404, {"errors": [{"message": "No calls found"}]})
    assert validator.check(exchange) == [
        "[response] GET /v2/calls -> 404 body $.errors[0]: "
        "{'message': 'No calls found'} is not of type 'string'"
    ]


def test_retry_after_header_is_checked(validator: contract.ContractValidator) -> None:
    headers = {**JSON_UTF8, "Retry-After": "soon"}
    bad = _ex("POST", "/v2/calls/transcript", 429, {"errors": ["x"]}, {"filter": {}}, None, headers)
    (problem,) = validator.check(bad)
    assert "429 header 'Retry-After'" in problem
    headers = {**JSON_UTF8, "Retry-After": "2"}
    good = _ex(
        "POST", "/v2/calls/transcript", 429, {"errors": ["x"]}, {"filter": {}}, None, headers
    )
    assert validator.check(good) == []


def test_null_is_not_allowed_in_requests(validator: contract.ContractValidator) -> None:
    exchange = _ex("POST", "/v2/users/extensive", 200, _USERS_OK, {"filter": {"userIds": None}})
    (problem,) = validator.check(exchange)
    assert "$.filter.userIds: null is not allowed" in problem


# ---------------------------------------------------------------------------------------------
# Content types, faults, paths, query forms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json;charset=UTF-8", "application/json; charset=utf-8"],
)
def test_json_content_types(validator: contract.ContractValidator, content_type: str) -> None:
    exchange = _ex("GET", "/v2/users", 200, _USERS_OK, headers={"Content-Type": content_type})
    assert validator.check(exchange) == []


def test_non_json_content_type_or_none(validator: contract.ContractValidator) -> None:
    html = _ex("GET", "/v2/users", 200, _USERS_OK, headers={"content-type": "text/html"})
    assert validator.check(html) == [
        "[response] GET /v2/users: Content-Type 'text/html' is not JSON"
    ]
    bare = _ex("GET", "/v2/users", 200, _USERS_OK, headers={"x-traceid": "1"})
    assert validator.check(bare) == ["[response] GET /v2/users: no Content-Type header"]


def test_faults_are_distinct_and_ignorable(validator: contract.ContractValidator) -> None:
    truncated = _ex("GET", "/v2/users", 200, b'{"requestId": "6i92p", "users": [{"id": "41')
    (problem,) = validator.check(truncated)
    assert problem.startswith("[fault] GET /v2/users: status 200 body is not JSON")
    assert validator.check(truncated, allow_faults=True) == []

    reset = Exchange("GET", "/v2/workspaces", {}, None, 0, {}, b"")
    assert validator.check(reset) == [
        "[fault] GET /v2/workspaces: no HTTP response (connection reset?)"
    ]
    empty = _ex("GET", "/v2/workspaces", 500, b"")
    assert validator.check(empty) == ["[fault] GET /v2/workspaces: status 500 with an empty body"]
    gateway = _ex("GET", "/v2/workspaces", 503, b"<html>Service Unavailable</html>")
    assert validator.check(gateway) == [
        "[fault] GET /v2/workspaces: gateway status 503 (not part of Gong's contract)"
    ]
    assert validator.check(gateway, allow_faults=True) == []

    # allow_faults drops only faults: request problems remain.
    bad_request = _ex("POST", "/v2/calls/extensive", 503, b"", {"contentSelector": {}})
    assert validator.check(bad_request, allow_faults=True) == [
        "[request] POST /v2/calls/extensive body $: 'filter' is a required property"
    ]


def test_paths(validator: contract.ContractValidator) -> None:
    assert validator.check(_ex("GET", "/healthz", 200, {"ok": True})) == []
    assert validator.check(_ex("GET", "/sandbox/admin", 500, b"boom")) == []
    (problem,) = validator.check(_ex("GET", "/v2/nope", 200, {}))
    assert problem.startswith("[request] GET /v2/nope: no such operation in the spec")
    (problem,) = validator.check(_ex("DELETE", "/v2/users", 405, {"errors": ["x"]}))
    assert problem.startswith("[request] DELETE /v2/users: no such operation in the spec")
    history = _ex(
        "GET",
        "/v2/users/7254376376091929519/settings-history",
        200,
        {
            "userSettingsHistory": [
                {"setting": "active", "value": True, "time": "2023-10-17T21:21:39Z"}
            ]
        },
    )
    assert validator.check(history) == []


def test_query_forms(validator: contract.ContractValidator) -> None:
    body = {"errors": ["No calls found corresponding to the provided filters"]}
    pairs = Exchange(
        "GET",
        "/v2/calls",
        [("fromDateTime", "2026-01-01T00:00:00Z"), ("workspaceId", "1")],
        None,
        404,
        JSON_UTF8,
        json.dumps(body).encode(),
    )
    assert validator.check(pairs) == []
    in_path = _ex("GET", "/v2/users?includeAvatars=nope", 200, _USERS_OK)
    (problem,) = validator.check(in_path)
    assert "includeAvatars" in problem


def test_module_level_check_and_caching() -> None:
    assert contract.ContractValidator.default() is contract.ContractValidator.default()
    assert contract.check(_ex("GET", "/v2/users", 200, _USERS_OK)) == []


def test_contract_does_not_import_the_sandbox() -> None:
    tree = ast.parse(Path(contract.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    ]
    assert not [m for m in imported if m and m.startswith("dlt_gong")]


def test_truncation_markers_are_stripped() -> None:
    assert contract.strip_truncation_markers({"a": [1, "...14 more"], "b": "...2 more"}) == {
        "a": [1],
        "b": "...2 more",
    }


# ---------------------------------------------------------------------------------------------
# same_shape
# ---------------------------------------------------------------------------------------------


def test_shape() -> None:
    assert contract.shape(
        {"a": 1, "b": 1.5, "c": "x", "d": True, "e": None, "f": [], "g": [{"x": 1}, {"y": "s"}]}
    ) == {
        "a": "number",
        "b": "number",
        "c": "string",
        "d": "boolean",
        "e": "null",
        "f": [],
        "g": [{"x": "number", "y": "string"}],
    }
    assert contract.shape([1, "a", None]) == ["number|string"]


def test_same_shape_identical_and_null_compatible() -> None:
    a = {"id": "1", "title": None, "n": 1, "tags": ["x"], "o": {"k": None}}
    b = {"id": "2", "title": "CEO", "n": 2.5, "tags": [], "o": {"k": {"deep": [1]}}}
    assert contract.same_shape(a, b) == []
    assert contract.same_shape(b, a) == []


def test_same_shape_reports_missing_extra_and_mismatch() -> None:
    expected = {
        "records": {"totalRecords": 4, "cursor": "c"},
        "users": [{"id": "1", "settings": {"active": True}}],
    }
    actual = {
        "records": {"totalRecords": "4"},
        "users": [{"id": 1, "settings": {"active": True, "extra": 1}}, {"id": "2"}],
        "more": [],
    }
    assert contract.same_shape(expected, actual) == [
        "$.more: unexpected key (array)",
        "$.records.cursor: missing (expected string)",
        "$.records.totalRecords: type mismatch: expected number, got string",
        "$.users[*].id: type mismatch: expected string, got number|string",
        "$.users[*].settings.extra: unexpected key (number)",
    ]
    # Mixed kinds in `expected` (e.g. CRM field values) accept either kind.
    assert contract.same_shape([1, "a"], ["b"]) == []


def test_same_shape_containers() -> None:
    assert contract.same_shape({"a": [1]}, {"a": {"0": 1}}) == [
        "$.a: type mismatch: expected array, got object"
    ]
    assert contract.same_shape([{"a": 1}], [{"a": [1]}]) == [
        "$[*].a: type mismatch: expected number, got array"
    ]
    assert contract.same_shape({"a": [[1]]}, {"a": [["x"]]}) == [
        "$.a[*][*]: type mismatch: expected number, got string"
    ]


def test_same_shape_on_real_recordings() -> None:
    by_fixture = {o["fixture"]: o["body"] for o in contract.load_observations()}
    # GET /v2/users and POST /v2/users/extensive return the same document shape.
    assert (
        contract.same_shape(by_fixture["list-users.test.json"], by_fixture["users.test.json"]) == []
    )
    # The two library-folder recordings differ: one carries a `records` object.
    assert contract.same_shape(
        by_fixture["list-library-folders.test.json"], by_fixture["library-folders.test.json"]
    ) == ["$.records: unexpected key (object)"]
