"""The command line of API.md: ``users create`` and ``demo seed``."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from tracker import demo
from tracker import models as m
from tracker.passwords import verify_password

STRONG = "Velvet-otter-lantern-42"


def _create(runner, *extra, email="ada@example.org", role="school_lead", password=STRONG):
    return runner.invoke(args=["users", "create", "--email", email, "--name", "Ada Lovelace",
                               "--role", role, "--password", password, *extra])


def _user(session, email):
    return session.execute(select(m.User).where(m.User.email == email)).scalar_one_or_none()


def test_users_create_makes_a_person_who_can_sign_in_with_their_schools(runner, make, session, client):
    first, second = make.school(urn="140001"), make.school(urn="140002")
    make.school(urn="140003")
    result = _create(runner, "--school", "140001", "--school", "140002")
    assert result.exit_code == 0, result.output
    assert "ada@example.org" in result.output

    user = _user(session, "ada@example.org")
    assert (user.name, user.role) == ("Ada Lovelace", "school_lead")
    assert sorted(user.school_ids) == sorted([first.id, second.id])
    assert user.password_hash != STRONG and verify_password(user.password_hash, STRONG)
    response = client.post("/api/v1/tokens", json={"email": "ada@example.org", "password": STRONG})
    assert response.status_code == 201


def test_users_create_without_a_school_is_fine_for_trust_wide_roles(runner, session):
    result = _create(runner, role="central_team")
    assert result.exit_code == 0, result.output
    assert _user(session, "ada@example.org").school_ids == []


@pytest.mark.parametrize("args,kw,says", [
    (["--school", "999999"], {}, "999999"),
    ([], {"role": "headteacher"}, "headteacher"),
    ([], {"password": "short"}, "password"),
    ([], {"email": "not-an-email"}, "email"),
], ids=["unknown school URN", "unknown role", "weak password", "malformed email"])
def test_users_create_refuses_bad_input_with_a_clear_message_and_creates_nothing(
        runner, session, args, kw, says):
    result = _create(runner, *args, **kw)
    assert result.exit_code != 0
    assert says in result.output.lower()
    assert "Traceback" not in result.output
    assert session.execute(select(func.count(m.User.id))).scalar() == 0


def test_users_create_refuses_an_email_that_is_taken(runner, make, session):
    make.user("viewer", email="ada@example.org")
    result = _create(runner)
    assert result.exit_code != 0
    assert "already" in result.output.lower()
    assert session.execute(select(func.count(m.User.id))).scalar() == 1


@pytest.mark.parametrize("missing", ["--email", "--name", "--role", "--password"])
def test_users_create_names_a_missing_option(runner, missing):
    args = {"--email": "ada@example.org", "--name": "Ada", "--role": "viewer", "--password": STRONG}
    args.pop(missing)
    result = runner.invoke(args=["users", "create", *sum(args.items(), ())])
    assert result.exit_code != 0
    assert missing in result.output


# --- demo seed -----------------------------------------------------------------------

def _counts(session):
    return {model.__name__: session.execute(select(func.count()).select_from(model)).scalar()
            for model in (m.School, m.User, m.Initiative, m.Milestone, m.Update, m.Measure,
                          m.MeasurePoint, m.Expert, m.Allocation)}


def test_demo_seed_loads_a_realistic_trust(runner, session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output

    schools = session.execute(select(m.School)).scalars().all()
    assert 8 <= len(schools) <= 12
    assert {s.support_status for s in schools} == {"can_support", "stable", "needs_support"}
    assert len({s.phase for s in schools}) >= 4

    users = session.execute(select(m.User)).scalars().all()
    assert {u.role for u in users} == {"admin", "central_team", "school_lead", "project_lead", "viewer"}
    assert all(verify_password(u.password_hash, demo.DEMO_PASSWORD) for u in users[:1])

    initiatives = session.execute(select(m.Initiative)).scalars().all()
    assert len(initiatives) >= 30
    phases = Counter(i.phase for i in initiatives if i.status == "active")
    assert set(phases) == {"explore", "prepare", "deliver", "sustain"}
    assert min(phases.values()) >= 3
    counts = _counts(session)
    assert counts["Milestone"] >= len(initiatives)
    assert counts["Update"] >= len(initiatives)
    assert counts["Measure"] >= 15 and counts["MeasurePoint"] >= 15 * 10


def test_demo_seed_prints_every_demo_sign_in(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert demo.DEMO_PASSWORD in result.output
    for role in ("admin", "central_team", "school_lead", "project_lead", "viewer"):
        assert role in result.output


def test_demo_seed_twice_changes_nothing_the_second_time(runner, session):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    before = _counts(session)
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0, again.output
    assert "already" in again.output
    session.expire_all()
    assert _counts(session) == before


def test_every_demo_person_signs_in_with_the_demo_password(runner, client, session):
    runner.invoke(args=["demo", "seed"])
    one_per_role = {role: local for local, _name, role, _schools in demo.PEOPLE}
    assert len(one_per_role) == 5
    for role, local in one_per_role.items():
        response = client.post("/api/v1/tokens", json={"email": f"{local.lower()}@demo.trust",
                                                       "password": demo.DEMO_PASSWORD})
        assert response.status_code == 201, (role, response.get_json())
