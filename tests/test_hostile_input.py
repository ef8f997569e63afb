"""Hostile input gets a 4xx with API.md's error body, never a 500, signed in or not.

The JSON and method checks walk the app's own OpenAPI document, so an endpoint added
later is covered the day it lands.
"""
import io
import json

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker import mail
from tracker.emails import valid_email
from tracker.extensions import db
from tracker.models import Expert, Milestone, User
from tracker.http_input import MAX_DEPTH

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DEEP = "[" * 100_000 + "]" * 100_000
#: Too deep for the app, though Python's own parser would take it.
DEEPISH = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
BIG_INTEGER = "1" * 5_000
HOSTILE_EMAIL = 'x"><img/src=x/onerror=alert(1)>@demo.trust'


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return body["error"]


def _post_raw(client, path, text, method="POST", **kw):
    return client.open(path, method=method, data=text, content_type="application/json", **kw)


@pytest.fixture
def admin_api(make, api_as):
    return api_as(make.user("admin"))


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def _json_writes(document):
    """(method, concrete path, request schema) for every operation that takes a JSON body."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                yield method.upper(), _concrete(path), _resolve(document, content["application/json"]["schema"])


def _concrete(path):
    return "/".join("1" if part.startswith("{") else part for part in path.split("/"))


def _resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


# --- one JSON parser: depth, huge integers, lone surrogates --------------------------------

@pytest.mark.parametrize("body", [DEEP, DEEPISH, '{"email": ' + BIG_INTEGER + ', "password": "x"}',
                                  '{"email": "a@example.org", "password": NaN}', '{"email": '],
                         ids=["100000-deep", "just-too-deep", "5000-digit-integer", "nan", "truncated"])
def test_signing_in_with_malformed_json_is_a_400(client, body):
    error = _error(_post_raw(client, "/api/v1/tokens", body), 400)
    assert error["code"] == "bad_request"
    assert error["fields"]["json"]


@pytest.mark.parametrize("field", ["email", "password"])
def test_signing_in_with_a_lone_surrogate_is_a_422_naming_the_field(client, field):
    body = {"email": "a@example.org", "password": PASSWORD, field: "x\ud800"}
    error = _error(_post_raw(client, "/api/v1/tokens", json.dumps(body)), 422)
    assert error["code"] == "invalid" and list(error["fields"]) == [field]


def test_every_json_write_refuses_malformed_json_with_a_400(admin_api, document):
    writes = list(_json_writes(document))
    assert len(writes) > 20
    for method, path, _schema in writes:
        for body in (DEEP, DEEPISH, '{"x": ' + BIG_INTEGER + "}"):
            response = _post_raw(admin_api.client, path, body, method=method,
                                 headers={"Authorization": f"Bearer {admin_api.token}"})
            assert _error(response, 400)["code"] == "bad_request", (method, path)


def test_every_json_write_refuses_a_lone_surrogate_with_a_422_naming_the_field(admin_api, document):
    for method, path, schema in _json_writes(document):
        name = next(iter(schema.get("properties") or {"title": None}))
        response = _post_raw(admin_api.client, path, json.dumps({name: "\ud800"}), method=method,
                             headers={"Authorization": f"Bearer {admin_api.token}"})
        assert name in _error(response, 422)["fields"], (method, path)


def test_a_lone_surrogate_inside_a_list_or_object_is_named_by_its_place(admin_api, make):
    school = make.school()
    expert = {"name": "Joe", "email": "joe@example.org", "days_per_week": 2,
              "specialisms": ["maths", "\ud800"]}
    error = _error(admin_api.post("/api/v1/experts", data=json.dumps(expert),
                                  content_type="application/json"), 422)
    assert list(error["fields"]) == ["specialisms.1"]
    initiative = {"title": "Reading", "school_ids": [school.id],
                  "one_out": {"practice": "Old \ud800 scheme", "due_on": "2030-01-01"}}
    error = _error(admin_api.post("/api/v1/initiatives", data=json.dumps(initiative),
                                  content_type="application/json"), 422)
    assert list(error["fields"]) == ["one_out.practice"]
    assert db.session.scalar(select(func.count(Expert.id))) == 0


def test_a_lone_surrogate_in_a_key_is_refused_too(client):
    error = _error(_post_raw(client, "/api/v1/tokens", '{"\\ud800": 1}'), 422)
    assert list(error["fields"]) == ["\\ud800"]


def test_json_nested_within_the_limit_still_reaches_the_schema(admin_api):
    body = {"name": "Joe", "email": "joe@example.org", "days_per_week": 2, "specialisms": [["maths"]]}
    error = _error(admin_api.post("/api/v1/experts", json=body), 422)
    assert "specialisms" in error["fields"]


# --- email addresses: one rule for the API, the pages, the command line and the mailer ------

def test_the_api_refuses_an_address_the_mailer_would_reject(admin_api, make):
    created = admin_api.post("/api/v1/users", json={"email": HOSTILE_EMAIL, "name": "Mallory",
                                                    "role": "viewer", "password": PASSWORD})
    assert "email" in _error(created, 422)["fields"]
    person = make.user("viewer")
    changed = admin_api.patch(f"/api/v1/users/{person.id}",
                              json={"email": HOSTILE_EMAIL, "version": person.version})
    assert "email" in _error(changed, 422)["fields"]
    expert = admin_api.post("/api/v1/experts", json={"name": "Mallory", "email": HOSTILE_EMAIL,
                                                     "days_per_week": 1})
    assert "email" in _error(expert, 422)["fields"]
    assert db.session.scalar(select(func.count(User.id)).where(User.email == HOSTILE_EMAIL)) == 0


def test_the_people_page_refuses_an_address_the_mailer_would_reject(make, login_as):
    page = login_as(make.user("admin")).post("/admin/people/new", data={
        "name": "Mallory", "email": HOSTILE_EMAIL, "role": "viewer", "password": PASSWORD,
        "active": "1"})
    assert page.status_code in (200, 422)
    assert "Enter an email address" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id)).where(User.name == "Mallory")) == 0


def test_the_command_line_refuses_an_address_the_mailer_would_reject(runner):
    result = runner.invoke(args=["users", "create", "--email", HOSTILE_EMAIL, "--name", "Mallory",
                                 "--role", "viewer", "--password", PASSWORD])
    assert result.exit_code == 1 and "email" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("address, valid", [
    ("head@demo.trust", True), ("ann.smith+maths@school.org.uk", True), ("ada@example.org", True),
    (HOSTILE_EMAIL, False), ('"a b"@example.org', False), ("Ann <ann@example.org>", False),
    ("ann@localhost", False), ("ann@school.test", False), ("ann@[127.0.0.1]", False),
    ("ann@example.org\r\nBcc: x@example.org", False), ("ann..smith@example.org", False),
    ("ünal@example.org", False), ("a" * 250 + "@example.org", False)])
def test_the_mailer_and_the_forms_agree_on_what_an_address_is(app, address, valid):
    assert valid_email(address) is valid
    values = dict(sender="tracker@localhost", to_address=address, subject="Hello", text="Hi",
                  html="<p>Hi</p>")
    if valid:
        assert mail.build_message(**values)["To"] == address
    else:
        with pytest.raises(ValueError):
            mail.build_message(**values)


# --- q: % and _ are characters, not wildcards -------------------------------------------

def test_initiative_search_treats_percent_and_underscore_as_themselves(admin_api, make):
    school = make.school()
    for title in ("100% attendance", "1000 books", "snake_case", "snakeXcase"):
        make.initiative(schools=[school], title=title)
    assert [i["title"] for i in admin_api.get("/api/v1/initiatives?q=100%25").get_json()["items"]] \
        == ["100% attendance"]
    assert [i["title"] for i in admin_api.get("/api/v1/initiatives?q=E_C").get_json()["items"]] \
        == ["snake_case"]


def test_expert_search_treats_percent_and_underscore_as_themselves(admin_api, make):
    make.expert(name="Ann", email="ann_lee@example.org")
    make.expert(name="Bob", email="annxlee@example.org")
    found = admin_api.get("/api/v1/experts?q=ann_").get_json()["items"]
    assert [e["name"] for e in found] == ["Ann"]


# --- ids are ASCII digits ---------------------------------------------------------------

FULL_WIDTH_ONE = "\uff11"


def test_a_full_width_digit_is_not_an_id_in_an_api_path(admin_api, make):
    milestone = make.milestone(make.initiative())
    assert milestone.id == 1
    assert _error(admin_api.delete(f"/api/v1/milestones/{FULL_WIDTH_ONE}"), 404)
    assert db.session.get(Milestone, 1) is not None


def test_no_route_takes_unicode_digits_as_an_id(app, admin_api, make, login_as):
    make.milestone(make.initiative())
    page = login_as(make.user("admin"))
    routes = [rule for rule in app.url_map.iter_rules()
              if rule.arguments and all(f"<int:{a}>" in rule.rule for a in rule.arguments)]
    assert len(routes) > 30
    for rule in routes:
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "\u0661")  # ARABIC-INDIC DIGIT ONE
        client = admin_api.client if path.startswith("/api/") else page
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method,
                                   headers={"Authorization": f"Bearer {admin_api.token}"})
            assert response.status_code == 404, (method, path, response.status_code)


def test_a_full_width_digit_is_not_an_id_in_a_query_string(admin_api, make):
    initiative = make.initiative()
    listed = admin_api.get(f"/api/v1/initiatives?owner_id={FULL_WIDTH_ONE}")
    assert "owner_id" in _error(listed, 422)["fields"]
    for written in ("1_0", "+1", " 1"):
        assert _error(admin_api.get(f"/api/v1/initiatives?owner_id={written}"), 422)
    found = admin_api.get(f"/api/v1/initiatives?owner_id={initiative.owner_id}").get_json()
    assert found["total"] == 1


# --- a body too large is a 413, however it is sent --------------------------------------

def _chunked(client, path, body, **headers):
    """A body sent with no Content-Length, as a server that decodes chunked encoding
    hands it on (``wsgi.input_terminated``, as gunicorn and Werkzeug's server set)."""
    return client.post(path, input_stream=io.BytesIO(body),
                       headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked",
                                **headers},
                       environ_overrides={"wsgi.input_terminated": True})


def test_a_chunked_body_over_the_limit_is_a_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = b'{"email": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    assert len(body) > limit
    assert _error(_chunked(client, "/api/v1/tokens", body), 413)["code"] == "too_large"


def test_a_chunked_body_within_the_limit_is_read_whole(client, make):
    person = make.user("viewer")
    body = json.dumps({"email": person.email, "password": PASSWORD, "name": " " * 1000}).encode()
    answer = _chunked(client, "/api/v1/tokens", body)
    # The whole body reached the schema: "name" is refused by name, not cut short as malformed.
    assert "name" in _error(answer, 422)["fields"]
    body = json.dumps({"email": person.email, "password": PASSWORD}).encode()
    assert _chunked(client, "/api/v1/tokens", body).status_code == 201


# --- unknown paths and methods ----------------------------------------------------------

UNKNOWN = ["/api/", "/api/v1/nothing", "/api/v1/tokens/1/extra", "/api/v2/schools",
           "/api/v1/schools/1/nothing"]


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "signed-out"])
def test_an_unknown_api_path_is_a_404_for_every_method(admin_api, signed_in):
    headers = {"Authorization": f"Bearer {admin_api.token}"} if signed_in else {}
    for path in UNKNOWN:
        for method in METHODS:
            response = admin_api.client.open(path, method=method, headers=headers)
            assert response.status_code == 404, (method, path, response.status_code)
            assert "Allow" not in response.headers
            if method != "HEAD":
                assert _error(response, 404)["message"] == "No such API endpoint."


def test_allow_lists_exactly_the_methods_a_path_has(admin_api, document):
    for path, item in document["paths"].items():
        documented = {m.upper() for m in item if m != "parameters"}
        served = documented | {"OPTIONS"} | ({"HEAD"} if "GET" in documented else set())
        concrete = _concrete(path)
        options = admin_api.client.open(concrete, method="OPTIONS")
        assert options.status_code == 200
        assert set(options.headers["Allow"].split(", ")) == served, path
        for method in set(METHODS) - served:
            response = admin_api.client.open(concrete, method=method,
                                              headers={"Authorization": f"Bearer {admin_api.token}"})
            assert response.status_code == 405, (method, path, response.status_code)
            if method != "HEAD":
                assert _error(response, 405)["code"] == "method_not_allowed"
            assert set(response.headers["Allow"].split(", ")) == served, (method, path)
