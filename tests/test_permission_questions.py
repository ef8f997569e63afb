"""The questions pages ask of permissions instead of listing roles: may this person start
initiatives here, may they edit this review."""
from datetime import date

import pytest

from tracker import permissions


@pytest.mark.parametrize("role,in_a_school,anywhere,here,elsewhere", [
    ("admin", False, True, True, True),
    ("school_lead", True, True, True, False),
    ("project_lead", True, True, True, False),
    ("project_lead", False, False, False, False),
    ("school_lead", False, False, False, False),
    ("central_team", False, False, False, False),
    ("viewer", True, False, False, False),
])
def test_who_may_start_initiatives_where(make, role, in_a_school, anywhere, here, elsewhere):
    school, other = make.school(), make.school()
    user = make.user(role, schools=[school] if in_a_school else [])
    assert permissions.may_start_initiatives(user) is anywhere
    assert permissions.may_start_initiatives(user, [school.id]) is here
    assert permissions.may_start_initiatives(user, [other.id]) is elsewhere


def test_a_lead_with_no_school_is_not_offered_a_start_they_would_be_refused(make, login_as):
    nowhere = make.user("project_lead")
    for path in ("/initiatives", "/"):
        html = login_as(nowhere).get(path).get_data(as_text=True)
        assert "Start an initiative" not in html, path
    assert login_as(nowhere).get("/initiatives/new").status_code == 403
    placed = make.user("school_lead", schools=[make.school()])
    assert "Start an initiative" in login_as(placed).get("/initiatives").get_data(as_text=True)


@pytest.mark.parametrize("role,decided,may", [
    ("school_lead", False, True),
    ("school_lead", True, False),
    ("admin", True, True),
    ("project_lead", False, False),
    ("viewer", False, False),
])
def test_who_may_edit_a_review(make, session, role, decided, may):
    school = make.school()
    initiative = make.initiative(schools=[school], phase="deliver")
    review = make.review(initiative, decision="continue" if decided else None,
                         rationale="Worth it." if decided else None,
                         decided_on=date(2026, 3, 2) if decided else None)
    user = initiative.owner if role == "project_lead" else make.user(role, schools=[school])
    assert permissions.may_edit_review(user, review) is may
