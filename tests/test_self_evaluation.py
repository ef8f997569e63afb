"""Self-evaluation against the seven pillars, as rules: tracker/self_evaluation.py directly."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker import clock, self_evaluation as se
from tracker.audit import acting_as
from tracker.errors import Forbidden, Invalid, NotFound
from tracker.models import AuditEntry
from tracker.models.initiative import PILLARS

TODAY = clock.today()


def all_pillars(rating=2, **overrides):
    """A complete set of ratings: every pillar at ``rating`` unless overridden by name."""
    return [{"pillar": p, "rating": overrides.get(p, rating), "evidence": f"About {p}."}
            for p in PILLARS]


@pytest.fixture
def people(make):
    school, other = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    return {"school": school, "other": other,
            "admin": make.user("admin"), "central_team": make.user("central_team"),
            "school_lead": make.user("school_lead", schools=[school]),
            "project_lead": make.user("project_lead", schools=[school]),
            "viewer": make.user("viewer", schools=[school]),
            "board": make.user("viewer")}


def record(session, actor, on=TODAY, school_id=None, ratings=None):
    found = se.record_round(session, actor, on=on, school_id=school_id,
                            ratings=all_pillars() if ratings is None else ratings)
    session.commit()
    return found


# --- a round rates every pillar once -----------------------------------------------------

def test_a_round_keeps_every_pillars_rating_and_evidence_in_the_pillars_order(session, people):
    sent = list(reversed(all_pillars(3, vision=4, data=1)))
    found = record(session, people["admin"], ratings=sent)
    assert [(r.pillar, r.rating) for r in found.ratings] == [
        (p, {"vision": 4, "data": 1}.get(p, 3)) for p in PILLARS]
    assert found.ratings[0].evidence == "About vision."
    assert (found.on, found.school_id, found.author_id) == (TODAY, None, people["admin"].id)


@pytest.mark.parametrize("left_out", [["vision"], ["capacity", "quality_assurance"], list(PILLARS)])
def test_a_round_missing_pillars_names_each_one_and_saves_nothing(session, people, left_out):
    ratings = [r for r in all_pillars() if r["pillar"] not in left_out]
    with pytest.raises(se.RoundIncomplete) as refused:
        se.record_round(session, people["admin"], on=TODAY, ratings=ratings)
    error = refused.value
    assert [m["code"] for m in error.missing] == left_out
    assert all("choose from 1 (not yet in place) to 4 (embedded)" in m["message"]
               for m in error.missing)
    assert error.message.startswith("Rate every pillar: ") and "not rated yet" in error.message
    session.rollback()
    assert session.execute(select(se.SelfEvaluation)).first() is None


def test_the_missing_message_names_the_pillars_in_plain_words(session, people):
    ratings = [r for r in all_pillars() if r["pillar"] not in ("vision", "data")]
    with pytest.raises(se.RoundIncomplete) as refused:
        se.record_round(session, people["admin"], on=TODAY, ratings=ratings)
    assert refused.value.message == (
        "Rate every pillar: Vision and Robust and real-time data are not rated yet.")


def test_a_pillar_rated_twice_is_refused_beside_the_second_rating(session, people):
    ratings = all_pillars() + [{"pillar": "vision", "rating": 4, "evidence": ""}]
    with pytest.raises(Invalid) as refused:
        se.record_round(session, people["admin"], on=TODAY, ratings=ratings)
    assert refused.value.fields == {
        "ratings.7.pillar": ["Vision is rated more than once: rate each pillar once."]}
    assert not isinstance(refused.value, se.RoundIncomplete)


def test_an_unknown_pillar_is_refused_by_its_field_path_and_the_real_one_is_still_missing(
        session, people):
    ratings = [r for r in all_pillars() if r["pillar"] != "process"]
    ratings.insert(2, {"pillar": "processes", "rating": 2, "evidence": ""})
    with pytest.raises(se.RoundIncomplete) as refused:
        se.record_round(session, people["admin"], on=TODAY, ratings=ratings)
    assert list(refused.value.fields) == ["ratings.2.pillar"]
    assert "Not one of the seven pillars" in refused.value.fields["ratings.2.pillar"][0]
    assert [m["code"] for m in refused.value.missing] == ["process"]


@pytest.mark.parametrize("rating", [0, 5, -1, 2.5, "3", True, None, 10**20])
def test_a_rating_outside_one_to_four_is_refused(session, people, rating):
    with pytest.raises(Invalid) as refused:
        se.record_round(session, people["admin"], on=TODAY,
                        ratings=all_pillars(capacity=rating))
    assert refused.value.fields == {
        "ratings.1.rating": ["Give a whole number from 1 (not yet in place) to 4 (embedded)."]}


@pytest.mark.parametrize("evidence", ["x" * (se.MAX_EVIDENCE + 1), "nul\x00byte", 42])
def test_evidence_is_bounded_text(session, people, evidence):
    ratings = all_pillars()
    ratings[6]["evidence"] = evidence
    with pytest.raises(Invalid) as refused:
        se.record_round(session, people["admin"], on=TODAY, ratings=ratings)
    assert list(refused.value.fields) == ["ratings.6.evidence"]


def test_evidence_may_be_left_empty_and_is_trimmed(session, people):
    ratings = all_pillars()
    ratings[0]["evidence"], ratings[1]["evidence"] = None, "  Two schools can support.\n"
    found = record(session, people["admin"], ratings=ratings)
    assert [r.evidence for r in found.ratings[:2]] == ["", "Two schools can support."]


@pytest.mark.parametrize("on, words", [
    (None, "Say on which date"), (TODAY + timedelta(days=1), "today's date or an earlier one"),
    (date(1999, 12, 31), "Give a date from")])
def test_the_round_is_dated_today_or_earlier_and_plausibly(session, people, on, words):
    with pytest.raises(Invalid) as refused:
        se.record_round(session, people["admin"], on=on, ratings=all_pillars())
    assert list(refused.value.fields) == ["on"] and words in refused.value.fields["on"][0]


# --- who writes ---------------------------------------------------------------------------

#: role → (the trust's own, their school's, another school's): saved, Forbidden or Invalid.
WRITERS = {
    "admin": ("saved", "saved", "saved"),
    "central_team": ("saved", Forbidden, Forbidden),
    "school_lead": (Forbidden, "saved", Invalid),
    "project_lead": (Forbidden, Forbidden, Invalid),
    "viewer": (Forbidden, Forbidden, Invalid),
    "board": (Forbidden, Forbidden, Forbidden),
}


@pytest.mark.parametrize("role", list(WRITERS))
def test_who_may_record_a_round_of_the_trust_and_of_a_school(session, people, role):
    targets = (None, people["school"].id, people["other"].id)
    for school_id, expected in zip(targets, WRITERS[role]):
        if expected == "saved":
            assert record(session, people[role], school_id=school_id).school_id == school_id
            continue
        with pytest.raises(expected) as refused:
            se.record_round(session, people[role], on=TODAY, school_id=school_id,
                            ratings=all_pillars())
        if expected is Invalid:  # a school they cannot see is no school to them
            assert refused.value.fields == {"school_id": ["No school with this id that you can see."]}
        session.rollback()


def test_a_school_that_does_not_exist_is_refused_by_field(session, people):
    with pytest.raises(Invalid) as refused:
        se.record_round(session, people["admin"], on=TODAY, school_id=999_999,
                        ratings=all_pillars())
    assert list(refused.value.fields) == ["school_id"]


def test_recording_a_round_is_audited_with_who_did_it(session, people):
    acting_as(session, people["school_lead"])
    found = record(session, people["school_lead"], school_id=people["school"].id)
    entries = session.execute(select(AuditEntry.record_type, AuditEntry.actor_id, AuditEntry.record_id)
                              .where(AuditEntry.action == "create")).all()
    assert ("self_evaluations", people["school_lead"].id, found.id) in entries
    assert sum(1 for e in entries if e.record_type == "self_evaluation_ratings") == len(PILLARS)


# --- who reads, and in what order --------------------------------------------------------

def test_the_trusts_rounds_are_read_by_everyone_newest_first(session, people):
    older = record(session, people["central_team"], on=TODAY - timedelta(days=200))
    newest = record(session, people["admin"], on=TODAY - timedelta(days=10))
    same_day_later = record(session, people["admin"], on=TODAY - timedelta(days=200))
    record(session, people["admin"], school_id=people["school"].id)  # a school's: not the trust's
    for role in WRITERS:
        found = session.execute(se.rounds(session, people[role])).scalars().all()
        assert [r.id for r in found] == [newest.id, same_day_later.id, older.id], role


def test_a_schools_rounds_are_read_by_those_who_see_the_school(session, people):
    mine = record(session, people["school_lead"], school_id=people["school"].id)
    theirs = record(session, people["admin"], school_id=people["other"].id)
    for role in ("admin", "central_team", "school_lead", "project_lead", "viewer", "board"):
        found = session.execute(se.rounds(session, people[role], people["school"].id)).scalars().all()
        assert [r.id for r in found] == [mine.id], role
        assert se.get_round(session, people[role], mine.id) is mine
    for role in ("school_lead", "project_lead", "viewer"):
        with pytest.raises(NotFound):
            se.rounds(session, people[role], people["other"].id)
        with pytest.raises(NotFound):
            se.get_round(session, people[role], theirs.id)
        with pytest.raises(NotFound):
            se.latest_with_previous(session, people[role], people["other"].id)
    assert se.get_round(session, people["viewer"], record(session, people["admin"]).id)


# --- the latest beside the previous, and each pillar over time ---------------------------

def test_latest_with_previous_gives_each_pillars_rating_change_and_evidence(session, people):
    first = record(session, people["admin"], on=TODAY - timedelta(days=120),
                   ratings=all_pillars(2, vision=1, data=3))
    latest = record(session, people["central_team"], on=TODAY - timedelta(days=5),
                    ratings=all_pillars(2, vision=3, data=2))
    found = se.latest_with_previous(session, people["viewer"])
    assert found["latest"] == {"id": latest.id, "on": latest.on, "school_id": None,
                               "author_id": people["central_team"].id,
                               "author_name": people["central_team"].name}
    assert found["previous"]["id"] == first.id
    by_pillar = {row["pillar"]: row for row in found["pillars"]}
    assert [row["pillar"] for row in found["pillars"]] == list(PILLARS)
    assert by_pillar["vision"] == {
        "pillar": "vision", "label": "Vision", "rating": 3, "rating_label": "Established",
        "previous": 1, "previous_label": "Not yet in place", "change": 2,
        "change_words": "up 2", "evidence": "About vision."}
    assert (by_pillar["data"]["change"], by_pillar["data"]["change_words"]) == (-1, "down 1")
    assert (by_pillar["process"]["change"], by_pillar["process"]["change_words"]) == (0, "no change")
    assert by_pillar["data"]["label"] == "Robust and real-time data"


def test_latest_with_previous_of_a_first_round_and_of_none(session, people):
    assert se.latest_with_previous(session, people["viewer"]) == {
        "latest": None, "previous": None, "pillars": []}
    record(session, people["admin"])
    found = se.latest_with_previous(session, people["viewer"])
    assert found["previous"] is None
    assert {(r["previous"], r["change"], r["change_words"]) for r in found["pillars"]} == {
        (None, None, "first rating")}


def test_latest_with_previous_reads_in_a_fixed_number_of_queries(session, people, count_queries):
    for days in (300, 200, 100, 1):
        record(session, people["admin"], on=TODAY - timedelta(days=days))
    session.expire_all()
    with count_queries() as queries:
        se.latest_with_previous(session, people["admin"])
    assert queries.count <= 3


def test_history_gives_each_pillar_over_time_oldest_first(session, people):
    on = [TODAY - timedelta(days=d) for d in (300, 150, 2)]
    for day, vision in zip(on, (1, 2, 4)):
        record(session, people["admin"], on=day, ratings=all_pillars(2, vision=vision))
    record(session, people["admin"], school_id=people["school"].id, ratings=all_pillars(1))
    series = se.history(session, people["viewer"])
    assert list(series) == list(PILLARS)
    assert series["vision"] == list(zip(on, (1, 2, 4)))
    assert series["capacity"] == [(day, 2) for day in on]
    assert se.history(session, people["viewer"], people["school"].id)["vision"] == [(TODAY, 1)]


@pytest.mark.parametrize("change, words", [(None, "first rating"), (0, "no change"),
                                           (1, "up 1"), (3, "up 3"), (-2, "down 2")])
def test_change_words(change, words):
    assert se.change_words(change) == words


def test_every_pillar_has_help_for_each_of_the_four_ratings():
    assert set(se.GUIDE) == set(PILLARS)
    assert all(len(guide.levels) == 4 and all(guide.levels) and guide.about
               for guide in se.GUIDE.values())
    assert se.RATING_LABELS == {1: "Not yet in place", 2: "Emerging", 3: "Established",
                                4: "Embedded"}


def test_the_demo_trust_shows_progress_over_three_rounds_and_a_school_with_two(session):
    from tracker import demo
    from tracker.models import School, User

    demo.seed(session)
    session.commit()
    board = session.execute(select(User).where(User.email == "board@demo.trust")).scalar_one()
    trust_rounds = session.execute(se.rounds(session, board)).scalars().all()
    assert len(trust_rounds) == 3
    totals = [sum(r.rating for r in found.ratings) for found in reversed(trust_rounds)]
    assert totals == sorted(totals) and totals[0] < totals[-1]
    assert all(len(found.ratings) == len(PILLARS) for found in trust_rounds)
    latest = se.latest_with_previous(session, board)
    assert {row["change_words"] for row in latest["pillars"]} >= {"up 1", "no change", "down 1"}
    school = session.execute(select(School).where(School.urn == "DEMO01")).scalar_one()
    assert len(session.execute(se.rounds(session, board, school.id)).scalars().all()) == 2
