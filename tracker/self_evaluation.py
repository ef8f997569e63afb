"""Self-evaluation against the seven pillars of improvement at scale.

A *round* is one dated judgement of the trust (``school_id`` None, its executive team's own)
or of one school: every pillar rated once, from 1 (not yet in place) to 4 (embedded), each
with the evidence behind it. Rounds are a record of what was judged when: never edited, so
the change from one round to the next is the story a board follows.

Rules (API.md "Self-evaluation"):
- A round rates every pillar exactly once. An absent pillar is refused with
  ``RoundIncomplete``, whose ``missing`` names each one (``code`` = the pillar); a pillar
  rated twice, an unknown pillar, a rating outside 1-4 or evidence past ``MAX_EVIDENCE``
  characters are refused by field (``ratings.<index>.<field>``).
- The round's date is a plausible one (tracker.clock), and not after today: a round records
  a judgement already made.
- Who writes: ``permissions.may_self_evaluate`` (the trust's own: admins and the central
  team; a school's: its school leads and admins). Who reads: the trust's own, everyone signed
  in; a school's, whoever can see the school. A school not visible is "no such school".
- Newest first means by date, then by when it was recorded.

The write is audited like every other (tracker.audit records the round and its ratings at
the flush). Nothing here commits.
"""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import clock, permissions
from tracker.errors import Forbidden, Invalid, NotFound
from tracker.models import School, SelfEvaluation, SelfEvaluationRating, User
from tracker.models.initiative import PILLAR_LABELS, PILLARS
from tracker.models.self_evaluation import RATINGS

MAX_EVIDENCE = 5000
#: What each rating means, the words every page, export and the board pack use.
RATING_LABELS = {1: "Not yet in place", 2: "Emerging", 3: "Established", 4: "Embedded"}


class RoundIncomplete(Invalid):
    """A round that leaves pillars unrated. ``missing`` is ``[{"code": pillar, "message"}]``,
    one per unrated pillar, in the pillars' order; ``fields`` holds any other problem."""

    code = "round_incomplete"


@dataclass(frozen=True)
class PillarGuide:
    """What a pillar is about and what each rating looks like for it (the page's help)."""

    about: str
    levels: tuple  # four sentences: 1 not yet in place ... 4 embedded


#: Help for the people rating: the seven pillars in the tracker's own words.
GUIDE = {
    "vision": PillarGuide(
        "A shared picture of what the trust is for and what great schooling looks like in "
        "every one of its schools.",
        ("Leaders would each describe the trust's purpose differently; plans are made school "
         "by school.",
         "A vision is written down and leaders can say it, but it does not yet steer what "
         "schools choose to do.",
         "Staff in most schools can say what the vision means for their own work, and "
         "priorities are chosen against it.",
         "The vision is the reason given for decisions at every level, including what to stop, "
         "and new staff pick it up within weeks.")),
    "capacity": PillarGuide(
        "Enough people, time and expertise, in the centre and in schools, for the improvement "
        "the trust has taken on.",
        ("Improvement rests on a few individuals; support goes wherever the need is loudest.",
         "Some expert teachers are deployed from the centre, but nobody can say who is free "
         "or over-stretched.",
         "Experts are allocated on purpose against priorities, their load is watched, and "
         "enough schools are strong enough to give support.",
         "The trust grows its own experts, plans support a term ahead, and keeps at least "
         "three schools able to help for every school that needs intensive support.")),
    "collective_commitment": PillarGuide(
        "Schools see themselves as one organisation that improves together, not as separate "
        "schools that share a logo.",
        ("Schools work alone; sharing depends on friendships between headteachers.",
         "Leaders agree to work together and some networks meet, but the commitment slips "
         "when pressure rises.",
         "Schools join trust-wide programmes and subject networks, and give their staff's "
         "time to help other schools.",
         "Helping another school is part of everyone's job; work across schools is expected, "
         "planned and valued.")),
    "data": PillarGuide(
        "The same up-to-date information about every school, from more than one source, used "
        "to decide where to act.",
        ("Data arrives late, in different shapes, and often rests on one person's account.",
         "Some common measures exist, but schools record them differently and they are "
         "looked at once a term.",
         "Every school records the same measures on time, and leaders read them for real "
         "signals rather than reacting to one bad month.",
         "The board and leaders use current, comparable data from several sources (measures, "
         "reviews, surveys) to send support where it is needed, and recording it is light "
         "work for staff.")),
    "process": PillarGuide(
        "One way of running improvement work across the trust: phases, plans, owners, "
        "milestones and checks before moving on.",
        ("Initiatives start without a plan and rarely finish, or stop, cleanly.",
         "Plans are written for the bigger initiatives, but milestones and owners are not "
         "followed up.",
         "Initiatives follow the shared cycle (Explore, Prepare, Deliver, Sustain) with "
         "owners, milestones and gates between phases.",
         "The cycle is simply how improvement is done here: work is adapted or stopped on "
         "evidence, and each new initiative names what it replaces.")),
    "improvement_activity": PillarGuide(
        "The improvement work itself: approaches chosen from evidence, tried small, learned "
        "from and refined.",
        ("Changes are taken up because they are popular, and rolled out everywhere at once.",
         "Some initiatives draw on research, but testing them and learning from the tests is "
         "patchy.",
         "Approaches are chosen from evidence and tried in short PDSA cycles that reach Study "
         "before anything is scaled.",
         "The trust adds to practice beyond its own schools: it tests, learns, adapts and "
         "shares what works, and de-implements what does not.")),
    "quality_assurance": PillarGuide(
        "Checking that what was meant to happen is happening, faithfully, and that it makes "
        "a difference for pupils.",
        ("Quality is judged after the event, mostly by inspection outcomes.",
         "Visits and reviews take place, but what they find is not followed up in a planned "
         "way.",
         "Planned visits, peer reviews and data reviews check fidelity and impact, and what "
         "they find leads to action.",
         "Quality assurance is trusted and developmental: schools review each other, and a "
         "concern is taken up by improvement work within weeks.")),
}


# --- reading ------------------------------------------------------------------------------

def _scope(session, user, school_id):
    """The school whose rounds are asked for (None: the trust's own). NotFound unless the
    user can see it."""
    if school_id is None:
        return None
    school = session.get(School, school_id) if permissions.is_id(school_id) else None
    if school is None or not permissions.can_see_school(user, school.id):
        raise NotFound("No such school.")
    return school


def _of_scope(stmt, school_id):
    return stmt.where(SelfEvaluation.school_id.is_(None) if school_id is None
                      else SelfEvaluation.school_id == school_id)


def _newest_first(stmt):
    return stmt.order_by(SelfEvaluation.on.desc(), SelfEvaluation.created_at.desc(),
                         SelfEvaluation.id.desc())


def rounds(session, user, school_id=None):
    """A select of the rounds of ``school_id`` (None: the trust's own), newest first, their
    ratings loaded with them. Raises NotFound for a school ``user`` cannot see."""
    _scope(session, user, school_id)
    return _newest_first(_of_scope(select(SelfEvaluation), school_id)
                         .options(selectinload(SelfEvaluation.ratings)))


def get_round(session, user, round_id):
    """One round, if ``user`` may read it. Raises NotFound otherwise."""
    found = session.get(SelfEvaluation, round_id) if permissions.is_id(round_id) else None
    if found is None or (found.school_id is not None
                         and not permissions.can_see_school(user, found.school_id)):
        raise NotFound("No such self-evaluation.")
    return found


def change_words(change):
    """``up 1``, ``down 2``, ``no change``; ``first rating`` when there is nothing before."""
    if change is None:
        return "first rating"
    if change == 0:
        return "no change"
    return f"{'up' if change > 0 else 'down'} {abs(change)}"


def _round_facts(found, authors):
    if found is None:
        return None
    return {"id": found.id, "on": found.on, "school_id": found.school_id,
            "author_id": found.author_id, "author_name": authors.get(found.author_id)}


def latest_with_previous(session, user, school_id=None):
    """The latest round of ``school_id`` (None: the trust's own) beside the one before, as
    plain data for pages, exports and the board pack (three queries)::

        {"latest": {"id", "on", "school_id", "author_id", "author_name"} | None,
         "previous": the same | None,
         "pillars": [{"pillar", "label", "rating", "rating_label", "previous",
                      "previous_label", "change", "change_words", "evidence"}]}

    ``pillars`` follows the pillars' order and is empty when there is no round yet;
    ``previous`` and ``change`` are None for the first round. Raises NotFound for a school
    ``user`` cannot see.
    """
    latest, previous = (session.execute(rounds(session, user, school_id).limit(2))
                        .scalars().all() + [None, None])[:2]
    ids = {r.author_id for r in (latest, previous) if r is not None}
    authors = dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) \
        if ids else {}
    before = {r.pillar: r.rating for r in previous.ratings} if previous else {}
    pillars = []
    for rating in sorted(latest.ratings if latest else [], key=lambda r: PILLARS.index(r.pillar)):
        earlier = before.get(rating.pillar)
        change = None if earlier is None else rating.rating - earlier
        pillars.append({
            "pillar": rating.pillar, "label": PILLAR_LABELS[rating.pillar],
            "rating": rating.rating, "rating_label": RATING_LABELS[rating.rating],
            "previous": earlier, "previous_label": RATING_LABELS.get(earlier),
            "change": change, "change_words": change_words(change), "evidence": rating.evidence})
    return {"latest": _round_facts(latest, authors), "previous": _round_facts(previous, authors),
            "pillars": pillars}


def history(session, user, school_id=None):
    """Each pillar's ratings over time, oldest first, for the charts (one query):
    ``{pillar: [(on, rating), ...]}`` with every pillar present. Rounds on the same date
    each keep their point, in the order they were recorded. Raises NotFound as ``rounds``."""
    _scope(session, user, school_id)
    rows = session.execute(_of_scope(
        select(SelfEvaluationRating.pillar, SelfEvaluation.on, SelfEvaluationRating.rating)
        .join(SelfEvaluation, SelfEvaluation.id == SelfEvaluationRating.self_evaluation_id),
        school_id).order_by(SelfEvaluation.on, SelfEvaluation.created_at, SelfEvaluation.id)).all()
    series = {pillar: [] for pillar in PILLARS}
    for pillar, on, rating in rows:
        series[pillar].append((on, rating))
    return series


# --- writing ------------------------------------------------------------------------------

def who_rates(school_id=None):
    """Who may record a round of ``school_id`` (None: the trust's own), in a sentence."""
    return ("Only an admin or the central team can rate the trust." if school_id is None
            else "Only the school's lead or an admin can rate this school.")


def _missing_message(pillar):
    return f"Rate {PILLAR_LABELS[pillar]}: choose from 1 (not yet in place) to 4 (embedded)."


def _checked_ratings(ratings):
    """``{pillar: (rating, evidence)}`` from the ratings sent, and the problems by field."""
    found, problems = {}, defaultdict(list)
    for index, item in enumerate(ratings):
        where = f"ratings.{index}"
        if not isinstance(item, dict):
            problems[where].append("Send each rating as {pillar, rating, evidence}.")
            continue
        pillar, rating = item.get("pillar"), item.get("rating")
        evidence = item.get("evidence")
        if not isinstance(pillar, str) or pillar not in PILLARS:
            problems[f"{where}.pillar"].append(
                "Not one of the seven pillars: " + ", ".join(PILLARS) + ".")
        elif pillar in found:
            problems[f"{where}.pillar"].append(
                f"{PILLAR_LABELS[pillar]} is rated more than once: rate each pillar once.")
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
            problems[f"{where}.rating"].append(
                "Give a whole number from 1 (not yet in place) to 4 (embedded).")
        if evidence is None:
            evidence = ""
        elif not isinstance(evidence, str) or "\x00" in evidence or len(evidence) > MAX_EVIDENCE:
            problems[f"{where}.evidence"].append(
                f"Use at most {MAX_EVIDENCE:,} characters of text, and no NUL characters.")
            evidence = ""
        if isinstance(pillar, str) and pillar in PILLARS and pillar not in found:
            found[pillar] = (rating, evidence.strip())
    return found, dict(problems)


def record_round(session, actor, *, on, school_id=None, ratings):
    """Record a round of ``school_id`` (None: the trust's own) dated ``on``, rating every
    pillar once: ``ratings`` is ``[{"pillar", "rating", "evidence"}]`` in any order.

    Raises Invalid (``school_id``) for a school the actor cannot see or that does not
    exist; Forbidden unless ``permissions.may_self_evaluate``; Invalid by field for a
    missing, implausible or future date and for a bad rating; RoundIncomplete (with
    ``missing``, and ``fields`` for any other problem) when pillars are left unrated.
    Returns the SelfEvaluation, flushed, its ratings in the pillars' order.
    """
    if school_id is not None:
        try:
            _scope(session, actor, school_id)
        except NotFound:
            raise Invalid("Unknown school.", fields={"school_id": [
                "No school with this id that you can see."]}) from None
    if not permissions.may_self_evaluate(actor, school_id):
        raise Forbidden(who_rates(school_id))
    problems = {}
    if on is None:
        problems["on"] = ["Say on which date the pillars were rated."]
    else:
        try:
            clock.check_plausible_date(on, "on")
        except Invalid as error:
            problems.update(error.fields)
        if "on" not in problems and on > clock.today():
            problems["on"] = ["Use today's date or an earlier one: a round records a "
                              "judgement already made."]
    found, rating_problems = _checked_ratings(ratings if isinstance(ratings, (list, tuple)) else [])
    if not isinstance(ratings, (list, tuple)):
        rating_problems["ratings"] = ["Send the ratings as a list, one per pillar."]
    problems.update(rating_problems)
    missing = [{"code": p, "message": _missing_message(p)} for p in PILLARS if p not in found]
    if missing:
        names = [PILLAR_LABELS[m["code"]] for m in missing]
        raise RoundIncomplete(
            f"Rate every pillar: {_listed(names)} {'is' if len(names) == 1 else 'are'} not "
            "rated yet.", fields=problems, missing=missing)
    if problems:
        raise Invalid("Some ratings are not valid: " + ", ".join(sorted(problems)) + ".",
                      fields=problems)
    evaluation = SelfEvaluation(
        on=on, school_id=school_id, author_id=actor.id,
        ratings=[SelfEvaluationRating(pillar=p, rating=found[p][0], evidence=found[p][1])
                 for p in PILLARS])
    session.add(evaluation)
    session.flush()
    return evaluation


def _listed(names):
    """``Vision``, ``Vision and Capacity``, ``Vision, Capacity and Data``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


__all__ = ["GUIDE", "MAX_EVIDENCE", "RATING_LABELS", "RoundIncomplete", "change_words",
           "get_round", "history", "latest_with_previous", "record_round", "rounds", "who_rates"]
