"""API fuzzing: schemathesis sends generated requests to every /api/v1 operation, as an officer and as a leader.

No answer may be a 5xx, and every answer must be one the OpenAPI document lists for its operation
(status code, content type, headers, body schema). A leader's answers must also name only their own
group. Requests are generated from the document itself, valid and invalid ones, a fixed number per
operation and deterministically, against a database seeded so that generated paths often name real rows.
"""
from __future__ import annotations

import copy
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from schemathesis.errors import FailureGroup

from kube.api.idempotency import HEADER as IDEMPOTENCY_KEY
from kube.auth.operations import issue_token
from kube.extensions import db
from tests.fuzz_seed import seed_fuzz_data

pytestmark = pytest.mark.slow


@schemathesis.serializer("application/pdf")
def _pdf_body(ctx, value) -> dict:
    """A generated body for `PUT /grants/{id}/letter.pdf`: the bytes as they are (mostly not a PDF: a 422)."""
    from schemathesis.transport.serialization import serialize_binary

    return {"data": serialize_binary(value)}

#: Generated requests per operation and generation mode (valid data, then invalid data).
EXAMPLES = 15
#: The checks that judge every answer. Not schemathesis' "positive data acceptance" family: the app
#: rightly refuses schema-valid requests for domain rules (a NIK with a bad checksum, an unknown id).
CHECKS = [getattr(checks, name) for name in ("not_a_server_error", "status_code_conformance", "content_type_conformance",
                                             "response_schema_conformance", "response_headers_conformance")]
#: Kinds of failure (operation and problem) printed in the assertion message; the rest are counted.
SHOWN_FAILURES = 8
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each failure is recorded as first sent
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def app_overrides():
    # A crash must come back as the 500 a client would see, so the checks report it with its request.
    return {"HANDLE_UNEXPECTED_ERRORS": True, "PROPAGATE_EXCEPTIONS": False}


@dataclass
class Failure:
    """One generated request whose answer broke a check."""

    operation: str
    mode: str
    problem: str
    method: str
    path: str
    status: int
    request_body: str
    response_body: str

    def __str__(self) -> str:
        return (f"{self.operation} [{self.mode}] {self.problem}\n"
                f"    {self.method} {self.path} -> {self.status}\n"
                f"    request body: {self.request_body}\n    response body: {self.response_body}")


@dataclass
class FuzzRun:
    """What one fuzzing run sent, per operation, and which answers broke a check."""

    operations: int = 0
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    #: For operations documenting Idempotency-Key: requests sent with and without it.
    idempotency_keys: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    not_negatable: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(sum(counts.values()) for counts in self.statuses.values())

    def report(self) -> str:
        """Answers by operation, for `pytest -s`."""
        lines = [f"{label}: {dict(sorted(counts.items()))}" for label, counts in self.statuses.items()]
        return "\n".join(lines + [f"{self.requests} requests; no invalid request possible: {self.not_negatable}"])

    def summary(self) -> str:
        """The first failing request of each kind (operation and problem), then how many more there were."""
        kinds = Counter((failure.operation, failure.problem) for failure in self.failures)
        firsts = {}
        for failure in self.failures:
            firsts.setdefault((failure.operation, failure.problem), failure)
        lines = [f"{len(self.failures)} failing requests of {len(kinds)} kinds over {len(self.statuses)} "
                 f"operations ({self.requests} requests sent; a 500's traceback is in the captured log). "
                 "The first of each kind:"]
        ordered = sorted(firsts.items(), key=lambda item: item[1].status < 500)  # server errors first
        lines += [f"{failure}\n    ({kinds[kind]} like it)" for kind, failure in ordered[:SHOWN_FAILURES]]
        lines += [f"also: {operation}: {problem} ({kinds[operation, problem]} like it)"
                  for operation, problem in (kind for kind, _ in ordered[SHOWN_FAILURES:])]
        return "\n".join(lines)


@dataclass
class Caller:
    """Who sends the requests: auth headers per operation, real path values, and the one group a leader may see."""

    headers_for: Callable[[str], dict]
    path_values: list[dict]
    only_group: int | None = None


def strict_spec(spec: dict) -> dict:
    """The API document without flask-smorest's catch-all `default` answer on every operation.

    With `default` present every status code counts as documented and status_code_conformance
    can never fail; without it, each status the app gives must be listed for its operation.
    """
    strict = copy.deepcopy(spec)
    for operations in strict["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
    return strict


def fuzz_api(app, client, caller: Caller) -> FuzzRun:
    """Fuzz every operation of /api/v1/openapi.json with valid and invalid generated requests."""
    schema = schemathesis.openapi.from_dict(strict_spec(client.get("/api/v1/openapi.json").get_json()))
    schema.app = app
    operations = [result.ok() for result in schema.get_all_operations()]
    run = FuzzRun(operations=len(operations))
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, caller, run)
    return run


def _strategy(operation, mode: GenerationMode, caller: Caller):
    """Generated requests, half of them (when the path has ids) naming real rows so they get past the 404."""
    headers = caller.headers_for(operation.label)
    generated = operation.as_strategy(generation_mode=mode, headers=headers)
    names = re.findall(r"{(\w+)}", operation.path)
    # An invalid request to a real row needs something besides its path and token to make invalid.
    other_inputs = len(operation.query) + len(operation.headers) + len(operation.body)
    if not names or (mode == GenerationMode.NEGATIVE and not other_inputs):
        return generated
    real = [operation.as_strategy(generation_mode=mode, headers=headers,
                                  path_parameters={name: values[name] for name in names})
            for values in caller.path_values]
    return st.one_of(generated, st.one_of(real))


def _fuzz_operation(operation, mode: GenerationMode, caller: Caller, run: FuzzRun) -> None:
    label = operation.label
    documents_key = any(parameter.name == IDEMPOTENCY_KEY for parameter in operation.headers)

    @FUZZ_SETTINGS
    @given(case=_strategy(operation, mode, caller))
    def send(case):
        case.headers = {**(case.headers or {}), **caller.headers_for(label)}  # fresh where the call revokes it
        response = case.call()
        run.statuses[label][response.status_code] += 1
        if documents_key:
            run.idempotency_keys[label]["with" if IDEMPOTENCY_KEY in case.headers else "without"] += 1
        problems = []
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            problems += [failure.title for failure in group.exceptions]
        body = _json_or_none(response.content)
        if caller.only_group is not None and response.status_code < 400:
            strangers = _group_ids_shown(response.request.path_url.split("?")[0], body) - {caller.only_group}
            if strangers:
                problems.append(f"leader was shown other groups {sorted(strangers)}")
        for problem in problems:
            run.failures.append(Failure(
                operation=label, mode=mode.value, problem=problem,
                method=case.method.upper(), path=response.request.path_url, status=response.status_code,
                request_body=_excerpt(case.body) if isinstance(case.body, (dict, list, str)) else "-",
                response_body=_excerpt(body if body is not None else response.content.decode(errors="replace")),
            ))

    try:
        send()
    except Unsatisfiable:
        if mode == GenerationMode.POSITIVE:
            raise
        # Nothing in the request can be made invalid (no inputs, or only an unconstrained string).
        run.not_negatable.append(label)


def _group_ids_shown(path: str, body) -> set[int]:
    """The groups an answer reveals: every `group_id`, and the `id` of the groups themselves."""
    found: set[int] = set()
    if re.fullmatch(r"/api/v1/groups(/\d+)?", path):
        found |= {item["id"] for item in (body if isinstance(body, list) else [body])
                  if isinstance(item, dict) and isinstance(item.get("id"), int)}

    def walk(value):
        if isinstance(value, dict):
            if isinstance(value.get("group_id"), int):
                found.add(value["group_id"])
            value = list(value.values())
        if isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(body)
    return found


def _json_or_none(content: bytes):
    try:
        return json.loads(content or b"null")
    except ValueError:
        return None


def _excerpt(data, limit: int = 300) -> str:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "..."


# -- the tests --------------------------------------------------------------------------------

def bearer(user) -> dict:
    """A new committed token for `user`, issued directly: the token endpoint is rate-limited (and fuzzed)."""
    plain, _token = issue_token(user, timedelta(hours=1))
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def token_headers(user) -> Callable[[str], dict]:
    """Auth headers by operation: one standing token, or a throwaway one for the call that revokes its token."""
    standing = bearer(user)
    return lambda label: bearer(user) if label == "DELETE /api/v1/auth/token" else standing


def assert_clean(run: FuzzRun) -> None:
    """Every operation was fuzzed, money-moving calls with and without a key, and no answer broke a check."""
    print(run.report())
    assert run.operations >= 31 and len(run.statuses) == run.operations, run.report()
    assert run.idempotency_keys and all(counts["with"] and counts["without"]
                                        for counts in run.idempotency_keys.values()), dict(run.idempotency_keys)
    if run.failures:
        pytest.fail(run.summary(), pytrace=False)


def test_fuzzed_requests_as_an_officer_get_documented_answers(app, client):
    ids = seed_fuzz_data()
    run = fuzz_api(app, client, Caller(token_headers(ids.officer), ids.path_values()))
    assert_clean(run)
    assert any(200 <= status < 300 for status in run.statuses["POST /api/v1/budgets"])  # not all refused


def test_fuzzed_requests_as_a_leader_get_documented_answers_about_their_own_group(app, client):
    ids = seed_fuzz_data()
    caller = Caller(token_headers(ids.leader), ids.path_values(focus=ids.leader_group), ids.leader_group)
    run = fuzz_api(app, client, caller)
    assert_clean(run)
    assert run.statuses["GET /api/v1/groups/{group_id}"][200]  # their own group was read
