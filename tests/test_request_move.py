"""Asking for a move: a project lead sees who moves her initiative and asks them by email;
the move form offers what the domain allows, skips included."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker import lifecycle
from tracker.errors import Forbidden, GateBlocked
from tracker.models import AuditEntry, OutboxMessage, PdsaCycle

TODAY = date(2026, 3, 2)
LINK = "https://tracker.example/initiatives/1#phase"


@pytest.fixture
def school(make):
    return make.school()


def ready_for_deliver(make, schools, **kw):
    """An initiative in Prepare whose Deliver gate is met (in strict mode)."""
    initiative = make.initiative(
        schools=schools, phase="prepare", problem="Attendance", evidence="EEF",
        active_ingredients="Daily check-ins", out_practice="Weekly spelling tests",
        out_due_on=date(2026, 6, 1), **kw)
    make.milestone(initiative)
    make.measure(initiative)
    return initiative


def queued(session, kind="move_request"):
    return session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind)
                           .order_by(OutboxMessage.recipient_id)).scalars().all()


def test_a_request_mails_each_active_school_lead_once_a_day_and_is_audited(make, session, school):
    make.policy(mode="strict")
    other = make.school()
    lead, second = make.user("school_lead", schools=[school]), make.user("school_lead", schools=[other])
    make.user("school_lead", schools=[school], active=False)
    make.user("admin")  # every school has a lead: the admins are not asked
    initiative = ready_for_deliver(make, [school, other], title="Reading for pleasure")
    owner = initiative.owner

    asked = lifecycle.request_move(session, owner, initiative, LINK, today=TODAY)
    session.commit()
    assert (asked.to, asked.queued) == ("deliver", 2)
    messages = queued(session)
    assert [m.recipient_id for m in messages] == sorted([lead.id, second.id])
    assert messages[0].subject == "Please move “Reading for pleasure” to Deliver"
    assert owner.name in messages[0].body_text and LINK in messages[0].body_text
    assert "from Prepare to Deliver" in messages[0].body_text

    again = lifecycle.request_move(session, owner, initiative, LINK, today=TODAY)
    session.commit()
    assert again.queued == 0 and len(queued(session)) == 2
    audits = session.execute(select(AuditEntry).where(AuditEntry.action == "move_requested"))\
        .scalars().all()
    assert [(a.actor_id, a.record_id, a.changes["to"]) for a in audits] == [
        (owner.id, initiative.id, "deliver")]

    lifecycle.request_move(session, owner, initiative, LINK, today=TODAY + timedelta(days=1))
    session.commit()
    assert len(queued(session)) == 4


def test_a_school_with_no_lead_brings_in_the_admins(make, session, school):
    make.policy(mode="strict")
    leaderless = make.school()
    lead = make.user("school_lead", schools=[school])
    admin = make.user("admin")
    make.user("admin", active=False)
    initiative = ready_for_deliver(make, [school, leaderless])
    assert {u.id for u in lifecycle.movers(session, initiative)} == {lead.id, admin.id}
    lifecycle.request_move(session, initiative.owner, initiative, LINK, today=TODAY)
    session.commit()
    assert {m.recipient_id for m in queued(session)} == {lead.id, admin.id}


def test_a_request_before_the_gate_is_met_names_what_is_missing_and_mails_nobody(
        make, session, school):
    make.policy(mode="strict")
    make.user("school_lead", schools=[school])
    initiative = make.initiative(schools=[school], phase="prepare", active_ingredients="Daily")
    with pytest.raises(GateBlocked) as blocked:
        lifecycle.request_move(session, initiative.owner, initiative, LINK, today=TODAY)
    assert [m["code"] for m in blocked.value.missing] == ["milestone", "measure", "one_out"]
    session.rollback()
    assert queued(session) == []


def test_only_those_who_change_the_initiative_may_ask(make, session, school):
    make.policy(mode="strict")
    make.user("school_lead", schools=[school])
    initiative = ready_for_deliver(make, [school])
    for outsider in (make.user("viewer", schools=[school]),
                     make.user("project_lead", schools=[school]), make.user("central_team")):
        with pytest.raises(Forbidden):
            lifecycle.request_move(session, outsider, initiative, LINK, today=TODAY)
    session.rollback()
    assert queued(session) == []


# --- on the initiative page ---------------------------------------------------------------

def test_the_project_lead_sees_who_moves_it_and_requests_the_move(make, login_as, session, school):
    make.policy(mode="strict")
    lead = make.user("school_lead", schools=[school], name="Grace Hopper")
    initiative = ready_for_deliver(make, [school])
    client = login_as(initiative.owner)
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Who moves it to Deliver" in html and "Grace Hopper" in html
    assert "Request the move" in html and 'name="to"' not in html

    response = client.post(f"/initiatives/{initiative.id}/request-move")
    assert response.status_code == 302 and response.headers["Location"].endswith("#phase")
    [message] = queued(session)
    assert message.recipient_id == lead.id
    assert f"/initiatives/{initiative.id}#phase" in message.body_text
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Asked Grace Hopper to move it to Deliver." in page


def test_the_request_button_waits_for_the_gate(make, login_as, school):
    make.policy(mode="strict")
    make.user("school_lead", schools=[school], name="Grace Hopper")
    initiative = make.initiative(schools=[school], phase="prepare")
    html = login_as(initiative.owner).get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Grace Hopper" in html and "Request the move" not in html
    assert "Once every criterion above is met, you can ask them to move it." in html


def test_the_move_form_offers_a_skip_when_every_gate_on_the_way_is_met(make, login_as, session,
                                                                        school):
    make.policy(mode="strict")
    lead = make.user("school_lead", schools=[school])
    initiative = ready_for_deliver(make, [school])
    make._save(PdsaCycle(initiative_id=initiative.id, title="Try it", stage="study"))
    client = login_as(lead)
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert '<option value="sustain">Sustain (forward)</option>' in html
    assert "Request the move" not in html
    response = client.post(f"/initiatives/{initiative.id}/move", data={"to": "sustain"})
    assert response.status_code == 302
    session.refresh(initiative)
    assert initiative.phase == "sustain"
