"""The page-write helper, commit_or_show: a stale save is told, shows the stored version and
can be saved again; every write it runs commits once or rolls back."""
import re

from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from tracker.blueprints.pages.common import STALE_MESSAGE, commit_or_show
from tracker.errors import StaleVersion


def _version_in(html):
    field = re.search(r'<input[^>]*name="version"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', field).group(1)


def _school_form(school, **kw):
    return {"name": school.name, "urn": school.urn, "phase": "primary",
            "support_status": "stable", "max_active_initiatives": "", **kw}


def test_a_stale_school_edit_shows_the_stored_version_and_a_resubmit_saves(make, login_as, session):
    school = make.school(name="Old Name")
    client = login_as(make.user("admin"))
    seen = school.version
    path = f"/admin/schools/{school.id}/edit"
    assert client.post(path, data=_school_form(school, name="First", version=seen)).status_code == 302

    response = client.post(path, data=_school_form(school, name="Second", version=seen))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Someone else changed this while you were editing" in html
    assert 'value="Second"' in html  # what they typed is still there to save again
    session.refresh(school)
    assert school.name == "First"
    assert _version_in(html) == str(school.version) != str(seen)

    again = client.post(path, data=_school_form(school, name="Second", version=_version_in(html)))
    assert again.status_code == 302
    session.refresh(school)
    assert school.name == "Second"


def test_a_stale_person_edit_shows_the_stored_version_and_a_resubmit_saves(make, login_as, session):
    person = make.user("viewer", name="Before")
    client = login_as(make.user("admin"))
    form = {"email": person.email, "role": "viewer", "password": "", "active": "1",
            "version": person.version}
    path = f"/admin/people/{person.id}/edit"
    assert client.post(path, data={**form, "name": "First"}).status_code == 302

    html = client.post(path, data={**form, "name": "Second"}).get_data(as_text=True)
    assert "Someone else changed this while you were editing" in html
    assert client.post(path, data={**form, "name": "Second",
                                   "version": _version_in(html)}).status_code == 302
    session.refresh(person)
    assert person.name == "Second"


class _VersionForm(FlaskForm):
    class Meta:
        csrf = False

    version = HiddenField()


def test_the_mappers_stale_data_error_is_a_stale_save_not_a_crash(app, make, session):
    school = make.school(name="Stored")

    def write():
        school.name = "Lost"
        raise StaleDataError("UPDATE statement on table 'schools' expected to update 1 row(s)")

    with app.test_request_context("/", method="POST", data={"version": "1"}):
        form = _VersionForm()
        ok, error = commit_or_show(form, write, record=school)
        assert (ok, type(error)) == (False, StaleVersion)
        assert get_flashed_messages(with_categories=True) == [("error", STALE_MESSAGE)]
        assert form.version.data == school.version
    session.refresh(school)
    assert school.name == "Stored"
