"""Insights, directly on the domain (tracker/insights.py): who writes, what is valid, and the
rule for an unanswered concern."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker import clock, demo, insights
from tracker.audit import acting_as
from tracker.audit_sentences import describe, names_for
from tracker.errors import Forbidden, Invalid, NotFound, StaleVersion
from tracker.models import AuditEntry, Insight, School

TODAY = clock.today()


@pytest.fixture
def trust(make):
    school, other = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    lead = make.user("school_lead", schools=[school])
    people = {"admin": make.user("admin"), "central_team": make.user("central_team"),
              "school_lead": lead, "project_lead": make.user("project_lead", schools=[school]),
              "viewer": make.user("viewer", schools=[school]), "board": make.user("viewer"),
              "other_lead": make.user("school_lead", schools=[other])}
    own = make.initiative(schools=[school], title="Reading for pleasure")
    shared = make.initiative(schools=[school, other], title="Trust maths network")
    elsewhere = make.initiative(schools=[other], title="Birch attendance")
    return {"school": school, "other": other, "people": people, "own": own, "shared": shared,
            "elsewhere": elsewhere}


def record(session, actor, school, **kw):
    values = {"source": "qa_visit", "on": TODAY, "title": "Phonics fidelity is weak",
              "judgement": "concern"}
    values.update(kw)
    insight = insights.create_insight(session, actor, school.id, **values)
    session.commit()
    return insight


def test_a_school_lead_records_a_concern_with_pillars_and_the_initiatives_acting_on_it(trust, session):
    lead = trust["people"]["school_lead"]
    insight = record(session, lead, trust["school"], summary="  Seen in Y1 and Y2.  ",
                     pillars=["quality_assurance", "data", "data"],
                     initiative_ids=[trust["shared"].id, trust["own"].id])
    assert (insight.school_id, insight.author_id, insight.summary) == (
        trust["school"].id, lead.id, "Seen in Y1 and Y2.")
    assert insight.pillars == ["data", "quality_assurance"]
    assert insight.initiative_ids == [trust["own"].id, trust["shared"].id]  # by title
    assert insight.version == 1


#: role → may write insights about the school (their own school for leads).
WRITERS = {"admin": True, "central_team": True, "school_lead": True, "project_lead": False,
           "viewer": False}


@pytest.mark.parametrize("role,allowed", WRITERS.items())
def test_admins_the_central_team_and_the_schools_leads_write_insights(trust, session, role, allowed):
    actor = trust["people"][role]
    if allowed:
        assert record(session, actor, trust["school"]).id
    else:
        with pytest.raises(Forbidden):
            record(session, actor, trust["school"])


def test_a_school_nobody_may_see_reads_as_not_found(trust, session):
    with pytest.raises(NotFound):
        record(session, trust["people"]["other_lead"], trust["school"])
    with pytest.raises(NotFound):
        session.execute(insights.insights_of(session, trust["people"]["viewer"], trust["other"].id))
    insight = record(session, trust["people"]["admin"], trust["school"])
    with pytest.raises(NotFound):
        insights.get_insight(session, trust["people"]["other_lead"], insight.id)
    assert insights.get_insight(session, trust["people"]["viewer"], insight.id) is insight
    with pytest.raises(Forbidden):
        insights.get_insight(session, trust["people"]["viewer"], insight.id, write=True)


@pytest.mark.parametrize("field,value", [
    ("source", "gossip"), ("judgement", "worry"), ("pillars", ["vision", "luck"]),
    ("title", "   "), ("title", "x" * 201), ("title", "a\x00b"), ("summary", "x" * 10_001),
    ("on", TODAY + timedelta(days=1)), ("on", TODAY.replace(year=1999)),
    ("initiative_ids", ["1"]), ("initiative_ids", [0]),
])
def test_each_bad_value_is_refused_by_its_field(trust, session, field, value):
    with pytest.raises(Invalid) as refused:
        record(session, trust["people"]["admin"], trust["school"], **{field: value})
    assert field in refused.value.fields


def test_initiatives_must_be_the_schools_own_or_horizontal_ones_the_writer_can_see(trust, session, make):
    with pytest.raises(Invalid) as refused:
        record(session, trust["people"]["admin"], trust["school"],
               initiative_ids=[trust["elsewhere"].id])
    assert f"#{trust['elsewhere'].id}" in refused.value.fields["initiative_ids"][0]
    with pytest.raises(Invalid):
        record(session, trust["people"]["admin"], trust["school"], initiative_ids=[2**31 - 1])
    # The other school's lead sees the shared initiative, so records with it there.
    insight = record(session, trust["people"]["other_lead"], trust["other"],
                     initiative_ids=[trust["shared"].id])
    assert insight.initiative_ids == [trust["shared"].id]


def test_an_edit_carries_the_version_and_a_stale_one_writes_nothing(trust, session):
    admin = trust["people"]["admin"]
    insight = record(session, admin, trust["school"])
    insights.update_insight(session, admin, insight, 1, title="Phonics fidelity improving",
                            judgement="development")
    session.commit()
    assert (insight.title, insight.judgement, insight.version) == (
        "Phonics fidelity improving", "development", 2)
    with pytest.raises(StaleVersion):
        insights.update_insight(session, admin, insight, 1, title="Lost")
    session.rollback()
    assert insight.title == "Phonics fidelity improving"


def test_changing_only_the_initiatives_or_pillars_moves_the_version(trust, session):
    admin = trust["people"]["admin"]
    insight = record(session, admin, trust["school"])
    insights.update_insight(session, admin, insight, 1, initiative_ids=[trust["own"].id])
    session.commit()
    assert insight.version == 2
    insights.update_insight(session, admin, insight, 2, pillars=["vision"])
    session.commit()
    assert (insight.version, insight.pillars) == (3, ["vision"])
    with pytest.raises(StaleVersion):
        insights.update_insight(session, admin, insight, 2, pillars=[])


def test_a_project_lead_can_neither_edit_nor_delete(trust, session):
    insight = record(session, trust["people"]["admin"], trust["school"])
    with pytest.raises(Forbidden):
        insights.update_insight(session, trust["people"]["project_lead"], insight, 1, title="No")
    with pytest.raises(Forbidden):
        insights.delete_insight(session, trust["people"]["project_lead"], insight)
    insights.delete_insight(session, trust["people"]["school_lead"], insight)
    session.commit()
    assert session.get(Insight, insight.id) is None


def test_a_schools_insights_are_listed_newest_first_and_filtered(trust, session):
    admin = trust["people"]["admin"]
    old = record(session, admin, trust["school"], on=TODAY - timedelta(days=40), title="Old")
    new = record(session, admin, trust["school"], on=TODAY, title="New", judgement="strength")
    record(session, admin, trust["other"], title="Elsewhere")
    listed = session.execute(insights.insights_of(session, admin, trust["school"].id)).scalars().all()
    assert [i.title for i in listed] == ["New", "Old"]
    strengths = session.execute(insights.insights_of(
        session, admin, trust["school"].id, judgement="strength")).scalars().all()
    assert strengths == [new]
    unanswered = session.execute(insights.insights_of(
        session, admin, trust["school"].id, unanswered=True, today=TODAY)).scalars().all()
    assert unanswered == [old]
    with pytest.raises(Invalid):
        insights.insights_of(session, admin, trust["school"].id, judgement="bad")


# --- the unanswered rule -----------------------------------------------------------------

DAYS = insights.DEFAULT_ACTION_DAYS
#: (judgement, days since its date, acted on by an initiative) → unanswered today.
UNANSWERED_CASES = [
    ("concern", DAYS + 1, False, True),
    ("concern", DAYS, False, False),  # exactly INSIGHT_ACTION_DAYS: still within time
    ("concern", 0, False, False),
    ("concern", DAYS + 100, True, False),
    ("development", DAYS + 100, False, False),
    ("strength", DAYS + 100, False, False),
]


@pytest.mark.parametrize("judgement,age,acted,expected", UNANSWERED_CASES)
def test_a_concern_no_initiative_takes_up_within_the_action_days_is_unanswered(
        trust, session, judgement, age, acted, expected):
    insight = record(session, trust["people"]["admin"], trust["school"], judgement=judgement,
                     on=TODAY - timedelta(days=age),
                     initiative_ids=[trust["own"].id] if acted else [])
    assert insights.is_unanswered(insight, TODAY) is expected
    assert (insights.unanswered(session, TODAY) == [insight]) is expected
    assert insights.unanswered_by_school(session, TODAY, [trust["school"].id, trust["other"].id]) == {
        trust["school"].id: int(expected), trust["other"].id: 0}


def test_the_action_days_come_from_the_settings(trust, session, app):
    record(session, trust["people"]["admin"], trust["school"], on=TODAY - timedelta(days=10))
    assert insights.unanswered(session, TODAY) == []
    app.config["INSIGHT_ACTION_DAYS"] = 7
    try:
        assert len(insights.unanswered(session, TODAY)) == 1
    finally:
        app.config["INSIGHT_ACTION_DAYS"] = DAYS


def test_unanswered_counts_per_school_in_one_query(trust, session, make, count_queries):
    admin = trust["people"]["admin"]
    schools = [trust["school"], trust["other"]] + [make.school() for _ in range(4)]
    for n, school in enumerate(schools):
        for _ in range(n):
            record(session, admin, school, on=TODAY - timedelta(days=45))
    ids = [s.id for s in schools]
    with count_queries() as q:
        counts = insights.unanswered_by_school(session, TODAY, ids)
    assert q.count == 1
    assert counts == {s.id: n for n, s in enumerate(schools)}
    assert len(insights.unanswered(session, TODAY, school_ids=[schools[3].id])) == 3


def test_the_school_page_gets_the_latest_and_the_unanswered_concerns(trust, session):
    admin, viewer = trust["people"]["admin"], trust["people"]["viewer"]
    for n in range(7):
        record(session, admin, trust["school"], title=f"Insight {n}", judgement="strength",
               on=TODAY - timedelta(days=n))
    concern = record(session, admin, trust["school"], title="Behaviour at lunch",
                     on=TODAY - timedelta(days=60))
    found = insights.insights_for_school_page(session, viewer, trust["school"].id, TODAY)
    assert [i.title for i in found.latest] == [f"Insight {n}" for n in range(5)]
    assert (found.total, found.unanswered, found.may_write) == (8, [concern], False)
    with pytest.raises(NotFound):
        insights.insights_for_school_page(session, viewer, trust["other"].id, TODAY)


def test_an_initiative_lists_the_insights_it_answers_that_the_reader_can_see(trust, session):
    admin = trust["people"]["admin"]
    here = record(session, admin, trust["school"], initiative_ids=[trust["shared"].id])
    there = record(session, admin, trust["other"], initiative_ids=[trust["shared"].id],
                   on=TODAY - timedelta(days=3))
    assert insights.answered_by(session, admin, trust["shared"]) == [
        (here, "Ash Primary"), (there, "Birch Academy")]
    assert insights.answered_by(session, trust["people"]["viewer"], trust["shared"]) == [
        (here, "Ash Primary")]


def test_the_demo_trust_has_insights_at_every_school_some_answered_some_not(session):
    demo.seed(session)
    session.commit()
    schools = {s.id: s.urn for s in session.query(School)}
    counts = insights.unanswered_by_school(session, TODAY, list(schools))
    assert {schools[i] for i, n in counts.items() if n} >= set(demo.UNANSWERED_AT)
    every = session.query(Insight).all()
    per_school = {i: sum(1 for x in every if x.school_id == i) for i in schools}
    assert set(per_school.values()) <= {3, 4, 5}
    assert {x.judgement for x in every} == {"strength", "development", "concern"}
    assert len({x.source for x in every}) >= 5
    assert any(x.judgement == "concern" and x.initiatives for x in every)


def test_the_audit_log_reads_an_insight_in_words(trust, session):
    admin = trust["people"]["admin"]
    acting_as(session, admin)
    insight = record(session, admin, trust["school"], title="Lunch queues", pillars=["data"],
                     initiative_ids=[trust["own"].id])
    insights.update_insight(session, admin, insight, 1, initiative_ids=[trust["shared"].id])
    session.commit()
    entries = session.execute(select(AuditEntry).where(
        AuditEntry.record_type.in_(("insights", "insight_pillars"))).order_by(AuditEntry.id)
    ).scalars().all()
    names = names_for(session, entries)
    said = [str(describe(e, names)) for e in entries]
    assert any("added the insight “Lunch queues”" in s and "Ash Primary" in s for s in said), said
    assert any("Reading for pleasure" in s and "Trust maths network" in s for s in said), said
    assert any("pillar" in s and "Lunch queues" in s for s in said), said
