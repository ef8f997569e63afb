"""One in, one out: when an out is required, the deliver gate, and the breaches the
policy job and the dashboard report."""
from datetime import date, datetime, timedelta, timezone
from itertools import product

import pytest
from sqlalchemy import select

from tracker import lifecycle, policy
from tracker.errors import Forbidden, Invalid, StaleVersion
from tracker.initiatives import set_one_out
from tracker.models import Transition

TODAY = date(2026, 6, 15)
GRACE = 14

# --- the table: mode x limit x out state -----------------------------------------------------

#: name -> (trust limit, [(own limit, other counted initiatives) per school of the subject],
#:          whether cap mode asks for an out, whether a school ends up over its limit)
LIMITS = {
    "below the trust limit": (3, [(None, 1)], False, False),
    "at the trust limit": (3, [(None, 3)], True, True),
    "above the trust limit": (3, [(None, 4)], True, True),
    "at the school's own limit, below the trust's": (5, [(2, 2)], True, True),
    "below the school's own limit, above the trust's": (2, [(5, 2)], False, False),
    "across schools, one of them at its limit": (2, [(None, 0), (1, 1)], True, True),
    "across schools, all below their limits": (3, [(None, 1), (None, 1)], False, False),
}

#: name -> (how the out is set up, whether it names an out, whether it is an out_overdue breach)
OUT_STATES = {
    "no out": ("none", False, False),
    "a named practice, not yet due": ("practice", True, False),
    "a named initiative, not yet due": ("initiative", True, False),
    "a practice done": ("practice_done", True, False),
    "an initiative out done (de-implemented)": ("initiative_done", True, False),
    "a practice overdue but within grace": ("practice_within_grace", True, False),
    "a practice past due plus grace": ("practice_past_grace", True, True),
    "an initiative out past due plus grace": ("initiative_past_grace", True, True),
}


def _give_out(make, session, subject, school, how):
    due = {"within_grace": TODAY - timedelta(days=GRACE),
           "past_grace": TODAY - timedelta(days=GRACE + 1)}.get(how.split("_", 1)[-1],
                                                                TODAY + timedelta(days=30))
    if how == "none":
        return
    if how.startswith("practice"):
        subject.out_practice = "Weekly marking of every book"
        subject.out_done_on = TODAY - timedelta(days=3) if how == "practice_done" else None
        if how == "practice_done":
            due = TODAY - timedelta(days=60)
    else:
        old = make.initiative(schools=[school], phase="explore",
                              status="deimplemented" if how == "initiative_done" else "active")
        subject.out_initiative_id = old.id
        if how == "initiative_done":
            due = TODAY - timedelta(days=60)
    subject.out_due_on = due
    session.commit()


def _scenario(make, session, mode, limit_name, how):
    trust_limit, schools_spec, _, _ = LIMITS[limit_name]
    make.policy(mode=mode, max_active_initiatives=trust_limit, out_grace_days=GRACE)
    schools = [make.school(max_active_initiatives=own) for own, _ in schools_spec]
    for school, (_, others) in zip(schools, schools_spec):
        for _ in range(others):
            make.initiative(schools=[school], phase="deliver")
    subject = make.initiative(schools=schools, phase="prepare", active_ingredients="x")
    _give_out(make, session, subject, schools[0], how)
    return subject


@pytest.mark.parametrize("mode,limit_name,out_name",
                         list(product(("strict", "cap"), LIMITS, OUT_STATES)))
def test_policy_table_gate_and_breaches(make, session, mode, limit_name, out_name):
    how, named, overdue = OUT_STATES[out_name]
    _, _, cap_requires, over = LIMITS[limit_name]
    subject = _scenario(make, session, mode, limit_name, how)

    required = mode == "strict" or cap_requires
    assert policy.out_required(session, subject) is required
    codes = [m["code"] for m in lifecycle.unmet_criteria(session, subject, "deliver")]
    assert ("one_out" in codes) is (required and not named)

    found = policy.breaches(session, TODAY)
    out_breaches = [b for b in found if b["kind"] == "out_overdue"]
    assert bool(out_breaches) is overdue
    if overdue:
        assert all(b["initiative_id"] == subject.id for b in out_breaches)
        assert out_breaches[0]["since"] == subject.out_due_on + timedelta(days=GRACE + 1)
    assert any(b["kind"] == "over_limit" for b in found) is over


# --- out_required, precisely -------------------------------------------------------------------

def test_cap_does_not_count_the_initiative_itself_among_the_others(make, session):
    make.policy(mode="cap", max_active_initiatives=1)
    school = make.school()
    subject = make.initiative(schools=[school], phase="prepare")
    assert policy.out_required(session, subject) is False


@pytest.mark.parametrize("phase,status,counted", [
    ("explore", "active", False), ("prepare", "active", True), ("deliver", "active", True),
    ("sustain", "active", False), ("deliver", "deimplemented", False),
    ("deliver", "completed", False), ("explore", "rejected", False),
])
def test_only_active_initiatives_in_prepare_or_deliver_count(make, session, phase, status, counted):
    school = make.school()
    make.initiative(schools=[school], phase=phase, status=status)
    assert policy.counted_by_school(session, [school.id]) == {school.id: int(counted)}


def test_cap_asks_the_same_number_of_queries_for_a_small_and_a_large_trust(
        make, session, count_queries):
    make.policy(mode="cap", max_active_initiatives=2)
    school = make.school()
    subject = make.initiative(schools=[school], phase="prepare")

    def asked(others):
        for _ in range(others):
            make.initiative(schools=[make.school()], phase="deliver")
        session.expire_all()
        subject.phase  # loaded, as a page has it
        with count_queries() as q:
            required = policy.out_required(session, subject)
        return q.count, required

    assert asked(1) == asked(30) == (2, False)  # the policy, then the schools' counts


# --- over_limit --------------------------------------------------------------------------------

def _entered(session, initiative, on, from_phase="explore", to="prepare"):
    session.add(Transition(initiative_id=initiative.id, from_phase=from_phase, to_phase=to,
                           at=datetime(on.year, on.month, on.day, 12, tzinfo=timezone.utc)))
    session.commit()


def test_over_limit_since_is_the_day_the_initiative_that_tipped_the_school_over_entered(make, session):
    make.policy(max_active_initiatives=2)
    school = make.school()
    first, second, third = (make.initiative(schools=[school], phase="deliver") for _ in range(3))
    _entered(session, first, date(2026, 1, 5))
    _entered(session, second, date(2026, 2, 10))
    _entered(session, third, date(2026, 3, 20))
    # Prepare -> Deliver keeps an initiative counted: it does not move its entry day.
    _entered(session, first, date(2026, 4, 1), from_phase="prepare", to="deliver")
    assert policy.breaches(session, TODAY) == [{"kind": "over_limit", "school_id": school.id,
                                                "initiative_id": third.id,
                                                "since": date(2026, 3, 20)}]


def test_over_limit_reads_phase_since_when_an_initiative_has_no_history(make, session):
    make.policy(max_active_initiatives=1)
    school = make.school()
    make.initiative(schools=[school], phase="deliver", phase_since=date(2026, 1, 1))
    later = make.initiative(schools=[school], phase="prepare", phase_since=date(2026, 5, 1))
    [breach] = policy.breaches(session, TODAY)
    assert (breach["initiative_id"], breach["since"]) == (later.id, date(2026, 5, 1))


def test_returning_from_sustain_to_deliver_counts_from_the_return(make, session):
    make.policy(max_active_initiatives=1)
    school = make.school()
    steady = make.initiative(schools=[school], phase="deliver")
    _entered(session, steady, date(2026, 2, 1))
    back = make.initiative(schools=[school], phase="deliver")
    _entered(session, back, date(2025, 9, 1))
    _entered(session, back, date(2026, 5, 2), from_phase="sustain", to="deliver")
    [breach] = policy.breaches(session, TODAY)
    assert (breach["initiative_id"], breach["since"]) == (back.id, date(2026, 5, 2))


def test_a_multi_school_initiative_counts_in_each_of_its_schools(make, session):
    make.policy(max_active_initiatives=1)
    a, b = make.school(), make.school()
    make.initiative(schools=[a], phase="deliver")
    make.initiative(schools=[b], phase="deliver")
    make.initiative(schools=[a, b], phase="prepare")
    assert sorted(x["school_id"] for x in policy.breaches(session, TODAY)) == [a.id, b.id]


def test_a_school_with_a_limit_of_zero_breaches_with_its_first_counted_initiative(make, session):
    school = make.school(max_active_initiatives=0)
    only = make.initiative(schools=[school], phase="prepare", phase_since=date(2026, 3, 3))
    assert policy.breaches(session, TODAY) == [{"kind": "over_limit", "school_id": school.id,
                                                "initiative_id": only.id,
                                                "since": date(2026, 3, 3)}]


# --- the entry day is the trust's calendar day (computed in SQL) --------------------------------

def _entered_at(session, initiative, moment, from_phase="explore", to="prepare"):
    session.add(Transition(initiative_id=initiative.id, from_phase=from_phase, to_phase=to,
                           at=moment))
    session.commit()


UTC = timezone.utc


@pytest.mark.parametrize("moment,day", [
    (datetime(2026, 1, 10, 23, 30, tzinfo=UTC), date(2026, 1, 10)),    # GMT: the same day
    (datetime(2026, 5, 1, 23, 30, tzinfo=UTC), date(2026, 5, 2)),      # BST: already tomorrow
    (datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), date(2026, 3, 29)),  # the last second of GMT
    (datetime(2026, 3, 28, 23, 59, 59, tzinfo=UTC), date(2026, 3, 28)),
    (datetime(2026, 10, 24, 23, 0, tzinfo=UTC), date(2026, 10, 25)),   # BST's last night
    (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 25)),   # GMT again
])
def test_over_limit_since_is_the_day_in_london_not_in_utc(make, session, moment, day):
    school = make.school(max_active_initiatives=0)
    only = make.initiative(schools=[school], phase="prepare", phase_since=date(2020, 1, 1))
    _entered_at(session, only, moment)
    assert policy.breaches(session, TODAY) == [{"kind": "over_limit", "school_id": school.id,
                                                "initiative_id": only.id, "since": day}]


def test_over_limit_follows_the_trusts_time_zone(make, session, app, monkeypatch):
    monkeypatch.setitem(app.config, "TIMEZONE", "America/New_York")
    school = make.school(max_active_initiatives=0)
    only = make.initiative(schools=[school], phase="prepare")
    _entered_at(session, only, datetime(2026, 5, 2, 3, 0, tzinfo=UTC))
    [breach] = policy.breaches(session, TODAY)
    assert breach["since"] == date(2026, 5, 1)


def test_initiatives_entering_on_the_same_trust_day_are_ordered_by_id(make, session):
    """Just before midnight UTC in summer is the next day in London: both entered on 2 May,
    so the later id is the one that tipped the school over (in UTC it would be the other)."""
    make.policy(max_active_initiatives=1)
    school = make.school()
    morning = make.initiative(schools=[school], phase="deliver")
    late_night = make.initiative(schools=[school], phase="deliver")
    _entered_at(session, morning, datetime(2026, 5, 2, 8, 0, tzinfo=UTC))
    _entered_at(session, late_night, datetime(2026, 5, 1, 23, 30, tzinfo=UTC))
    [breach] = policy.breaches(session, TODAY)
    assert (breach["initiative_id"], breach["since"]) == (late_night.id, date(2026, 5, 2))


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Lord_Howe",
                                  "Asia/Kolkata", "UTC"])
def test_the_trust_day_in_sql_matches_the_zone_rules_around_each_change(
        make, session, app, monkeypatch, zone):
    from zoneinfo import ZoneInfo

    from tracker.clock import trust_date_sql

    monkeypatch.setitem(app.config, "TIMEZONE", zone)
    moments = [datetime(year, month, 1, tzinfo=UTC) + timedelta(minutes=minutes)
               for year in (2001, 2026) for month in (3, 4, 10, 11)
               for minutes in range(0, 60 * 24 * 31, 29)]
    subject = make.initiative()
    session.add_all([Transition(initiative_id=subject.id, from_phase="explore",
                                to_phase="prepare", at=moment) for moment in moments])
    session.commit()
    day = trust_date_sql(Transition.at, session.get_bind().dialect.name)
    rows = session.execute(select(Transition.at, day).where(
        Transition.initiative_id == subject.id)).all()
    assert len(rows) == len(moments)
    assert [found for _, found in rows] == [at.astimezone(ZoneInfo(zone)).date()
                                            for at, _ in rows]


# --- out_overdue -------------------------------------------------------------------------------

def test_an_initiative_out_is_reported_for_the_schools_both_share(make, session):
    make.policy(out_grace_days=0)
    a, b = make.school(), make.school()
    old = make.initiative(schools=[a])
    new = make.initiative(schools=[a, b], out_initiative_id=old.id,
                          out_due_on=TODAY - timedelta(days=5))
    assert [(x["school_id"], x["initiative_id"]) for x in policy.breaches(session, TODAY)] == [
        (a.id, new.id)]


def test_a_practice_out_is_reported_for_every_school_of_the_initiative(make, session):
    make.policy(out_grace_days=0)
    a, b = make.school(), make.school()
    make.initiative(schools=[a, b], out_practice="Triple marking",
                    out_due_on=TODAY - timedelta(days=5))
    assert sorted(x["school_id"] for x in policy.breaches(session, TODAY)) == [a.id, b.id]


@pytest.mark.parametrize("status", ["completed", "deimplemented", "rejected"])
def test_an_ended_initiatives_out_is_no_breach(make, session, status):
    make.policy(out_grace_days=0)
    make.initiative(status=status, out_practice="Triple marking",
                    out_due_on=TODAY - timedelta(days=30))
    assert policy.breaches(session, TODAY) == []


def test_an_out_naming_a_completed_initiative_is_done(make, session):
    make.policy(out_grace_days=0)
    school = make.school()
    old = make.initiative(schools=[school], phase="sustain", status="completed")
    make.initiative(schools=[school], out_initiative_id=old.id, out_due_on=TODAY - timedelta(days=9))
    assert policy.breaches(session, TODAY) == []


def test_breaches_narrow_to_the_schools_asked_for(make, session):
    make.policy(max_active_initiatives=0)
    a, b = make.school(), make.school()
    make.initiative(schools=[a], phase="deliver")
    make.initiative(schools=[b], phase="deliver")
    assert [x["school_id"] for x in policy.breaches(session, TODAY, school_ids=[b.id])] == [b.id]
    assert policy.breaches(session, TODAY, school_ids=[]) == []


def test_breaches_take_the_same_number_of_queries_for_a_small_and_a_large_trust(
        make, session, count_queries):
    make.policy(max_active_initiatives=1, out_grace_days=0)

    def trust(n):
        for _ in range(n):
            school = make.school()
            make.initiative(schools=[school], phase="deliver")
            make.initiative(schools=[school], phase="prepare", out_practice="x",
                            out_due_on=TODAY - timedelta(days=3))
        session.expire_all()
        with count_queries() as q:
            found = policy.breaches(session, TODAY)
        return q.count, len(found)

    small, small_found = trust(2)
    large, large_found = trust(15)
    assert (small_found, large_found) == (4, 34)
    assert small == large <= 4


# --- the policy itself -------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["central_team", "school_lead", "project_lead", "viewer"])
def test_only_an_admin_changes_the_policy(make, session, role):
    school = make.school()
    actor = make.user(role, schools=[school])
    with pytest.raises(Forbidden):
        policy.update_policy(session, actor, 1, mode="strict")


def test_an_admin_changes_the_policy_and_a_stale_version_is_refused(make, session):
    admin = make.user("admin")
    make.policy()
    changed = policy.update_policy(session, admin, 1, mode="strict", max_active_initiatives=3)
    session.commit()
    assert (changed.mode, changed.max_active_initiatives, changed.version) == ("strict", 3, 2)
    with pytest.raises(StaleVersion):
        policy.update_policy(session, admin, 1, mode="cap")


@pytest.mark.parametrize("values,field", [
    ({"mode": "lenient"}, "mode"), ({"max_active_initiatives": -1}, "max_active_initiatives"),
    ({"out_grace_days": 10_000}, "out_grace_days"), ({"review_interval_days": 0}, "review_interval_days"),
    ({"review_interval_days": True}, "review_interval_days"),
])
def test_policy_values_out_of_range_are_refused_by_field(make, session, values, field):
    admin = make.user("admin")
    make.policy()
    with pytest.raises(Invalid) as error:
        policy.update_policy(session, admin, 1, **values)
    assert field in error.value.fields


# --- naming the out ----------------------------------------------------------------------------

def test_an_out_names_an_initiative_or_a_practice_not_both(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    old, new = make.initiative(schools=[school]), make.initiative(schools=[school])
    with pytest.raises(Invalid) as error:
        set_one_out(session, lead, new, {"initiative_id": old.id, "practice": "Marking",
                                         "due_on": TODAY})
    assert "one_out" in error.value.fields


def test_an_out_cannot_name_an_initiative_that_has_already_ended(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    ended = make.initiative(schools=[school], status="completed")
    new = make.initiative(schools=[school])
    with pytest.raises(Invalid) as error:
        set_one_out(session, lead, new, {"initiative_id": ended.id, "due_on": TODAY})
    assert "one_out.initiative_id" in error.value.fields


def test_an_out_already_naming_an_initiative_survives_that_initiative_ending(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    old = make.initiative(schools=[school])
    new = make.initiative(schools=[school], out_initiative_id=old.id, out_due_on=TODAY)
    old.status = "deimplemented"
    session.commit()
    set_one_out(session, lead, new, {"initiative_id": old.id, "due_on": TODAY})
    assert new.out_done


def test_nobody_can_name_an_initiative_they_cannot_see(make, session):
    mine, theirs = make.school(), make.school()
    lead = make.user("school_lead", schools=[mine])
    hidden = make.initiative(schools=[theirs])
    new = make.initiative(schools=[mine])
    with pytest.raises(Invalid) as error:
        set_one_out(session, lead, new, {"initiative_id": hidden.id, "due_on": TODAY})
    assert error.value.fields["one_out.initiative_id"] == ["No such initiative."]


def test_a_practice_cannot_have_stopped_in_the_future(make, session):
    school = make.school()
    lead = make.user("school_lead", schools=[school])
    new = make.initiative(schools=[school])
    with pytest.raises(Invalid) as error:
        set_one_out(session, lead, new, {"practice": "Marking", "due_on": date(2999, 1, 1),
                                         "done_on": date(2999, 1, 1)})
    assert "one_out.done_on" in error.value.fields


def test_the_demo_trust_shows_an_overdue_out_and_explains_everything_it_stopped(session):
    from tracker import demo, reviews
    from tracker.clock import today
    from tracker.models import User

    demo.seed(session)
    session.commit()
    kinds = {b["kind"] for b in policy.breaches(session, today())}
    assert "out_overdue" in kinds
    admin = session.execute(select(User).where(User.role == "admin")).scalars().first()
    rows = session.execute(reviews.stopped(admin)).all()
    assert rows and all(review is not None and review.rationale for _, review in rows)
