"""Every page form: what a person sees beside each field, and that no value they can send
(negative, huge, too long, the wrong type, empty) ever gives a server error."""
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import clock, models as m, notifications
from tracker.auth import issue_token


def _text(response):
    return response.get_data(as_text=True)


class _FormFields(HTMLParser):
    """The names a form on a page sends: inputs, selects and text areas of the first
    ``<form method="post">`` without an action (the page's own form)."""

    def __init__(self):
        super().__init__()
        self.names, self._depth, self._done = set(), 0, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self._done and attrs.get("method") == "post" and not attrs.get("action"):
            self._depth = 1
        elif self._depth and tag in ("input", "select", "textarea") and attrs.get("name"):
            self.names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form" and self._depth:
            self._depth, self._done = 0, True


def fields_of(html):
    parser = _FormFields()
    parser.feed(html)
    return parser.names


# --- adding a person ---------------------------------------------------------------

def test_admin_adds_a_person_with_a_role_and_two_schools_through_the_form_as_served(
        make, login_as, session):
    first, second = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    client = login_as(make.user("admin"))
    offered = fields_of(_text(client.get("/admin/people/new")))
    assert {"name", "email", "role", "school_ids", "password"} <= offered and "active" not in offered
    filled = {"name": "Grace Hopper", "email": "grace@example.org", "role": "school_lead",
              "school_ids": [str(first.id), str(second.id)], "password": "Marble-heron-quietly-58"}
    response = client.post("/admin/people/new", data={k: v for k, v in filled.items() if k in offered})
    assert response.status_code == 302, _text(response)
    person = session.execute(select(m.User).where(m.User.email == "grace@example.org")).scalar_one()
    assert person.role == "school_lead" and sorted(person.school_ids) == sorted([first.id, second.id])
    assert person.active


def test_a_refused_new_person_links_every_error_to_a_field_on_the_form(make, login_as):
    client = login_as(make.user("admin"))
    html = _text(client.post("/admin/people/new", data={"name": "", "email": "", "role": "wizard",
                                                        "password": "x"}))
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    targets = re.findall(r'href="#([^"]+)"', summary)
    assert targets and all(f'id="{t}"' in html for t in targets)
    assert "Not a valid choice" not in html



# --- bounds and messages beside each field -------------------------------------------

@pytest.mark.parametrize("limit", ["-1", "1001", "99999999999999999999", "2.5", "ten"])
def test_an_out_of_range_own_limit_is_told_beside_the_field_and_saves_nothing(make, login_as, session, limit):
    response = login_as(make.user("admin")).post("/admin/schools/new", data={
        "name": "Hillside Primary", "urn": "150001", "phase": "primary", "support_status": "stable",
        "max_active_initiatives": limit})
    assert response.status_code == 200
    error = re.search(r'id="max_active_initiatives-error">(.*?)</p>', _text(response), re.S).group(1)
    assert "Not a valid" not in error and ("0 to 1000" in error or "whole number" in error)
    assert session.execute(select(m.School)).first() is None


def test_every_school_field_states_its_bounds_in_attributes_and_a_hint(make, login_as):
    html = _text(login_as(make.user("admin")).get("/admin/schools/new"))
    limit = re.search(r"<input[^>]*id=\"max_active_initiatives\"[^>]*>", html).group(0)
    assert 'min="0"' in limit and 'max="1000"' in limit and 'aria-invalid' not in limit
    assert "A whole number from 0 to 1000." in html
    assert re.search(r'<input[^>]*id="name"[^>]*maxlength="200"|maxlength="200"[^>]*id="name"', html)
    assert "Up to 200 characters." in html and 'aria-invalid="None"' not in html


def test_a_date_field_offers_the_trusts_plausible_range(make, login_as):
    lead = make.user("project_lead", schools=[make.school()])
    html = _text(login_as(lead).get(f"/measures/{make.measure(make.initiative(owner=lead, schools=lead.schools)).id}"))
    first, last = clock.date_range()
    assert f'min="{first.isoformat()}"' in html and f'max="{last.isoformat()}"' in html


def test_library_messages_are_spoken_in_the_products_words(make, login_as):
    html = _text(login_as(make.user("admin")).post("/admin/people/new", data={
        "name": "x" * 201, "email": "a@example.org", "role": "wizard", "school_ids": ["abc"],
        "password": "Marble-heron-quietly-58"}))
    assert "Use at most 200 characters." in html and "Choose one of the options listed." in html
    assert "Choose only from the options listed." in html
    assert not any(words in html for words in LIBRARY_WORDS)

# --- no value a person sends gives a server error ----------------------------------

#: What a person can type or a crafted post can carry into any field.
HOSTILE = {"negative": "-1", "huge": "9" * 30, "overflow": "1e309", "not a number": "nan",
           "wrong type": "abc", "empty": "", "too long": "x" * 30_000, "far date": "9999-12-31"}

ROLES = ("admin", "central_team", "school_lead", "project_lead", "viewer")


@pytest.fixture
def trust(make, session):
    """One school with a record of every kind a page form acts on, and a person of each role."""
    school = make.school(max_active_initiatives=5)
    people_by_role = {role: make.user(role, schools=[school] if role != "admin" else [])
                      for role in ROLES}
    lead = people_by_role["project_lead"]
    initiative = make.initiative(schools=[school], owner=lead, phase="deliver")
    other = make.initiative(schools=[school], owner=lead)
    measure = make.measure(initiative)
    point = make._save(m.MeasurePoint(measure_id=measure.id, on=date(2026, 1, 5), value=3.0))
    rebase = make._save(m.MeasureRebase(measure_id=measure.id, starts_on=date(2026, 1, 12), reason="New term"))
    cycle = make._save(m.PdsaCycle(initiative_id=initiative.id, title="Try it", owner_id=lead.id))
    expert = make.expert()
    leave = make._save(m.Unavailability(expert_id=expert.id, starts_on=date(2026, 2, 16),
                                        ends_on=date(2026, 2, 20), reason="Half term"))
    allocation = make._save(m.Allocation(expert_id=expert.id, school_id=school.id, days_per_week=1.0,
                                         starts_on=date(2026, 1, 5), ends_on=date(2026, 3, 27)))
    victim = make.user("viewer", schools=[school])
    message = make._save(m.OutboxMessage(idempotency_key="k1", kind="nudge", recipient_id=victim.id,
                                         to_address=victim.email, subject="Hello", body_text="Hi",
                                         status="failed"))
    _raw, token = issue_token(session, lead, 30)
    session.commit()
    ids = {"school_id": school.id, "user_id": victim.id, "initiative_id": initiative.id,
           "milestone_id": make.milestone(initiative).id, "measure_id": measure.id,
           "point_id": point.id, "rebase_id": rebase.id, "cycle_id": cycle.id,
           "review_id": make.review(initiative).id, "allocation_id": allocation.id,
           "expert_id": expert.id, "unavailability_id": leave.id, "message_id": message.id,
           "token_id": token.id,
           "insight_id": make._save(m.Insight(school_id=school.id, source="survey",
                                              on=date(2026, 1, 12), title="Parents unsure",
                                              judgement="development")).id,
           "kpi_id": make._save(m.Measure(initiative_id=None, name="Attendance", unit="%")).id}
    goal = make._save(m.Goal(school_id=school.id, title="Reading by nine"))
    ids.update(goal_id=goal.id, driver_id=make._save(m.Driver(goal_id=goal.id, title="Phonics")).id)
    good = {"name": "Reading for pleasure", "title": "Reading for pleasure", "urn": "159001",
            "phase": "primary", "support_status": "stable", "max_active_initiatives": "3",
            "email": "new.person@example.org", "role": "viewer", "school_ids": str(school.id),
            "school_id": str(school.id), "owner_id": str(lead.id), "expert_id": str(expert.id),
            "initiative_id": str(initiative.id), "out_initiative_id": str(other.id),
            "password": "Marble-heron-quietly-58", "new_password": "Marble-heron-quietly-58",
            "current_password": PASSWORD, "active": "1", "days_per_week": "1",
            "starts_on": "2026-01-05", "ends_on": "2026-02-27", "due_on": "2026-06-01",
            "on": "2026-01-19", "value": "4", "rag": "green", "narrative": "Going well.",
            "to": "embed", "status": "planned", "kind": "outcome", "higher_is_better": "1",
            "decision": "continue", "act_decision": "adopt", "mode": "advisory",
            "out_grace_days": "30", "review_interval_days": "90",
            "source": "qa_visit", "judgement": "concern", "pillars": "data",
            "initiative_ids": str(initiative.id),
            "aim": "Ninety per cent of Year 4 at the standard.", "target_on": "2027-07-16",
            "measure_id": "0", "parent_id": "0"}
    topics = {t.code for role in ROLES for t in notifications.topics_for(people_by_role[role])}
    return {"people": people_by_role, "ids": ids, "good": good, "raw": topics | {"status", "unfreeze"}}


def _form_routes(app):
    """Every page route that takes a POST, the ones that end things (sign out, delete,
    deactivate) last so the rest still have their records."""
    rules = [r for r in app.url_map.iter_rules()
             if "POST" in r.methods and not r.rule.startswith("/api/")]
    ending = ("/logout", "delete", "deactivate", "anonymise", "revoke")
    return sorted(rules, key=lambda r: (r.rule == "/logout", any(w in r.rule for w in ending), r.rule))


@pytest.fixture
def fields_read(monkeypatch):
    """The names of the WTForms fields the last request built (prefixes included)."""
    seen = []
    original = FlaskForm.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if kwargs.get("formdata", True) is not None:  # not a blank form drawn beside the one posted
            seen.extend(f.name for f in self if f.type not in ("CSRFTokenField",))

    monkeypatch.setattr(FlaskForm, "__init__", recording)
    return seen


def _refused_before_the_form(response):
    """The role may not use this route, or its record is gone: nothing of the form was read."""
    return response.status_code in (401, 403, 404, 405, 410) or \
        "/login" in response.headers.get("Location", "")


def test_no_form_route_answers_any_value_with_a_server_error(app, trust, login_as, fields_read):
    clients = {role: login_as(person) for role, person in trust["people"].items()}
    clients["anonymous"] = app.test_client()
    tried, problems = 0, []
    for rule in _form_routes(app):
        missing = set(rule.arguments) - set(trust["ids"])
        assert not missing, f"give {rule.rule} a record for {missing}"
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", str(trust["ids"][name]))
        for role, client in clients.items():
            fields_read.clear()
            first = client.post(path, data={})
            tried += 1
            if _refused_before_the_form(first) or first.status_code >= 500:
                problems += [(path, role, "empty form", first.status_code)] * (first.status_code >= 500)
                continue
            names = sorted(set(fields_read))
            baseline = {n: trust["good"].get(n.split("-")[-1], "1") for n in names}
            posts = [(f"{n}={label}", {**baseline, n: value})
                     for n in names for label, value in HOSTILE.items()]
            posts += [(f"raw fields={label}", {**baseline, **dict.fromkeys(trust["raw"], value)})
                      for label, value in HOSTILE.items()]
            posts.append(("good values", baseline))
            for what, data in posts:
                response = client.post(path, data=data)
                tried += 1
                body = response.get_data(as_text=True)
                if response.status_code >= 500:
                    problems.append((path, role, what, response.status_code))
                for default in LIBRARY_WORDS:
                    if default in body:
                        problems.append((path, role, what, f"library message {default!r}"))
    assert tried > 200
    assert not problems, "\n".join(map(str, problems))


#: WTForms' own messages, which a person should never read.
LIBRARY_WORDS = ("Not a valid", "This field is required", "Invalid Choice", "is not a valid choice",
                 "could not coerce", "Field cannot be longer", "Field must be", "Number must be")
