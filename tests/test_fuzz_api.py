"""Every endpoint of the live OpenAPI document, fuzzed with every schemathesis check: nothing a
client sends gives a 500, every answer is the one the document describes, data the document calls
valid is accepted and data it calls invalid is refused, and chains of calls (create, then read,
change and delete what was created) keep those promises too.

The operations come from the app's own ``/api/v1/openapi.json``, so an endpoint added by any
later module is fuzzed here the day it lands, with no change to this file. Requests go in-process
to the WSGI app (schemathesis 4), signed in as an admin of the demo trust. Generation is
derandomized and small per operation, so the run is repeatable and bounded in time.
"""
import re
import time
import traceback

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.generation import GenerationMode
from sqlalchemy import select, update

from tracker import demo
from tracker.auth import issue_token
from tracker.extensions import db
from tracker.models import ApiToken, User
from tracker.models.base import Base

OPENAPI = "/api/v1/openapi.json"
#: Examples per operation, valid and invalid; derandomized, so every run sends the same requests.
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}
#: Scenarios of the stateful phase, each a chain of up to STEPS calls.
SCENARIOS, STEPS = 25, 6
#: Answers without a token, by design (API.md).
PUBLIC = {("POST", "/api/v1/tokens"), ("GET", "/api/v1/openapi.json")}
#: What webargs answers when a body breaks the schema itself. A request the document calls
#: valid may still break a rule of the domain that no schema can state (an end before its
#: start, a gate not met, an owner who may not own it): that ``422`` carries its own message.
SCHEMA_REFUSAL = "Some fields are not valid"
#: Every check schemathesis has, and this project's own (below).
load_all_checks()
ALL_CHECKS = [CHECKS.get_one(name) for name in CHECKS.get_all_names()]
CONFIG = {"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]}}}


def valid_data_is_refused_only_by_a_domain_rule(ctx, response, case):
    """Data the document calls valid gets no schema refusal: every rule the schema checks is
    stated in the document (the ``422`` of a domain rule is allowed by ``CONFIG`` above)."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    error = (response.json() or {}).get("error", {})
    if error.get("message", "").startswith(SCHEMA_REFUSAL):
        raise Failure(operation=case.operation.label, title="Valid data refused by the schema",
                      message=f"The document allows what the schema refuses: {error.get('fields')}")
    return None


CHECKS_RUN = ALL_CHECKS + [valid_data_is_refused_only_by_a_domain_rule]


@pytest.fixture
def demo_admin(app, session):
    """The demo trust loaded, and a live token for its admin (issued directly: no hashing)."""
    demo.seed(session)
    session.commit()
    admin = session.execute(db.select(User).where(User.email == "admin@demo.trust")).scalar_one()
    raw, token = issue_token(session, admin, 1, "fuzz")
    session.commit()
    return admin, raw, token.id


@pytest.fixture
def api_schema(app, demo_admin):
    return schemathesis.openapi.from_wsgi(OPENAPI, app, config=SchemathesisConfig.from_dict(CONFIG))


def _restore_admin(admin_id, token_id):
    """Undo what a fuzzed request may do to the fuzzing admin itself (revoke the token in
    use, deactivate or demote the admin), so later operations are still tried as an admin.
    Core UPDATEs: they bypass the audit hook and the version counter on purpose."""
    db.session.rollback()
    db.session.execute(update(User).where(User.id == admin_id).values(active=True, role="admin"))
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(revoked_at=None))
    db.session.commit()
    db.session.expire_all()


def _table_for(parameter):
    """The table a path parameter names (``pdsa_cycle_id`` → ``pdsa_cycles``), or None."""
    if not parameter.endswith("_id"):
        return None
    plural = parameter[:-3] + "s"
    tables = Base.metadata.tables
    if plural in tables:
        return tables[plural]
    return next((tables[name] for name in sorted(tables) if name.endswith("_" + plural)), None)


def _existing_ids(operation):
    """For each path parameter, ids of real rows (random ids alone would nearly always 404)."""
    found = {}
    for parameter in operation.path_parameters:
        table = _table_for(parameter.name)
        if table is not None and "id" in table.c:
            found[parameter.name] = (table, db.session.execute(
                select(table.c.id).order_by(table.c.id).limit(20)).scalars().all())
    return found


def _aim_at_real_rows(case, data, existing):
    """Half the time, point the path at real rows and send their current version."""
    if not existing or not isinstance(case.path_parameters, dict) or not data.draw(st.booleans()):
        return
    table = None
    for name, (table, ids) in existing.items():
        if ids:
            case.path_parameters[name] = data.draw(st.sampled_from(ids))
    record_id = case.path_parameters.get(list(existing)[-1])
    if isinstance(case.body, dict) and "version" in case.body and "version" in table.c:
        version = db.session.execute(
            select(table.c.version).where(table.c.id == record_id)).scalar_one_or_none()
        if version is not None:
            case.body["version"] = version


def _signed_in(case, raw):
    """The fuzzing admin's token, unless the case is about a missing or malformed
    ``Authorization`` header (then it is sent as generated, and must be refused)."""
    mutations = getattr(case.meta.phase.data, "mutations", None) or () if case.meta else ()
    if any(mutation.parameter == "Authorization" for mutation in mutations):
        return {}
    return {"Authorization": f"Bearer {raw}"}


def _fuzz(operation, mode, raw, admin_id, token_id):
    existing = _existing_ids(operation) if mode is GenerationMode.POSITIVE else {}

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(max_examples=EXAMPLES[mode], derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case, data):
        _restore_admin(admin_id, token_id)
        _aim_at_real_rows(case, data, existing)
        case.call_and_validate(headers=_signed_in(case, raw), checks=CHECKS_RUN)

    run()


def _fuzz_all(api_schema, demo_admin, subtests, mode):
    admin, raw, token_id = demo_admin
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 18, "the OpenAPI document lost endpoints"
    started = time.monotonic()
    for operation in operations:
        with subtests.test(msg=operation.label):
            try:
                _fuzz(operation, mode, raw, admin.id, token_id)
            except Exception as error:  # noqa: BLE001  (reported with the input that caused it)
                db.session.rollback()
                pytest.fail(_report(operation.label, error), pytrace=False)
    elapsed = time.monotonic() - started
    print(f"\n{mode.value}: fuzzed {len(operations)} operations x {EXAMPLES[mode]} examples in {elapsed:.1f}s")


def test_valid_requests_to_every_endpoint_are_answered_as_the_document_says(
        api_schema, demo_admin, subtests):
    _fuzz_all(api_schema, demo_admin, subtests, GenerationMode.POSITIVE)


def test_invalid_requests_to_every_endpoint_are_refused_with_a_4xx_the_document_describes(
        api_schema, demo_admin, subtests):
    _fuzz_all(api_schema, demo_admin, subtests, GenerationMode.NEGATIVE)


def test_chains_of_calls_keep_every_promise_of_the_document(api_schema, demo_admin):
    """The stateful phase: schemathesis follows the links between operations (a created
    record's id into its read, change and delete) and checks every answer on the way."""
    admin, raw, token_id = demo_admin
    headers = {"Authorization": f"Bearer {raw}"}
    base = api_schema.as_state_machine()
    calls, failures = [], []

    class Scenarios(base):
        def before_call(self, case):
            _restore_admin(admin.id, token_id)
            calls.append(case.operation.label)

        def get_call_kwargs(self, case):
            # A negative step may be about a missing Authorization header: sent as generated.
            return {"headers": _signed_in(case, raw)}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS_RUN, headers=headers,
                                       transport_kwargs=kwargs or None, recorder=self.recorder)
            except Exception as error:
                # Kept: a chain replayed against a changed database cannot be shrunk, and
                # Hypothesis would report that instead of what failed.
                failures.append(error)
                raise

    started = time.monotonic()
    try:
        Scenarios.run(settings=settings(
            max_examples=SCENARIOS, stateful_step_count=STEPS, derandomize=True, deadline=None,
            database=None, phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck)))
    except FlakyStrategyDefinition:
        # Hypothesis replays a chain's choices to explore beside it; against a database the
        # earlier chains changed (an expert now over-allocated, a record deleted) a replay can
        # take another branch, and Hypothesis stops generating. Every answer received until
        # then was checked (a broken promise lands in ``failures``), so only that is judged.
        db.session.rollback()
        if failures:
            pytest.fail(_report("stateful", failures[0]), pytrace=False)
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        pytest.fail(_report("stateful", failures[0] if failures else error), pytrace=False)
    elapsed = time.monotonic() - started
    print(f"\nstateful: {SCENARIOS} scenarios, {len(calls)} calls to {len(set(calls))} operations "
          f"in {elapsed:.1f}s")
    assert len(set(calls)) >= 10, "the links between operations were lost from the document"


def _report(label, error):
    """The failing operation, the line of the app that raised, and how to reproduce it."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if "/tracker/" in f.filename]
    where = "".join(f"\n  at {f.filename.split('/tracker/')[-1]}:{f.lineno} in {f.name}: {f.line}"
                    for f in frames[-3:])
    notes = "\n".join(getattr(error, "__notes__", []))
    return f"{label}: {type(error).__name__}: {str(error)[:2000]}{where}\n{notes}"


def _concrete_path(path):
    """A request path for a templated one: every path parameter becomes 1."""
    return re.sub(r"\{[^}]+\}", "1", path)


def _secured_operations(app):
    document = app.test_client().get(OPENAPI).get_json()
    for path, item in document["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete") \
                    and (method.upper(), path) not in PUBLIC:
                yield method.upper(), path


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-real-token", "Basic YTpi", "Bearer "],
                         ids=["no token", "bad token", "other scheme", "empty token"])
def test_every_endpoint_refuses_a_missing_or_bad_token_with_401_and_the_error_body(
        client, demo_admin, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    checked = 0
    for method, path in _secured_operations(client.application):
        response = client.open(_concrete_path(path), method=method, headers=headers,
                               json={} if method in ("POST", "PUT", "PATCH") else None)
        label = f"{method} {path}"
        assert response.status_code == 401, label
        body = response.get_json()
        assert body["error"]["code"] == "unauthorized", label
        assert body["error"]["message"], label
        assert set(body) == {"error"}, label
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), label
        checked += 1
    assert checked >= 16


def test_a_revoked_token_is_refused_everywhere_with_401(client, demo_admin, session):
    _, raw, token_id = demo_admin
    assert client.delete("/api/v1/tokens/current",
                         headers={"Authorization": f"Bearer {raw}"}).status_code == 204
    for method, path in _secured_operations(client.application):
        response = client.open(_concrete_path(path), method=method,
                               headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 401, f"{method} {path}"
        assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("huge", [0, 2**31, 2**63, 10**30], ids=["zero", "2^31", "2^63", "10^30"])
def test_an_id_no_record_can_have_is_not_found_on_every_endpoint(client, demo_admin, huge):
    """Ids past the database's integer are a client's mistake (404), never the driver's (500)."""
    _, raw, _ = demo_admin
    for method, path in _secured_operations(client.application):
        if "{" not in path:
            continue
        response = client.open(re.sub(r"\{[^}]+\}", str(huge), path), method=method,
                               headers={"Authorization": f"Bearer {raw}"},
                               json={} if method in ("POST", "PUT", "PATCH") else None)
        assert response.status_code in (404, 422), f"{method} {path}: {response.status_code}"
        assert response.get_json()["error"]["code"] in ("not_found", "invalid")
