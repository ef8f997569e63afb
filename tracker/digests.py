"""The weekly digest: one email a week for each reader, written for what they do.

- **board** (whoever reads the whole trust: a viewer with no school, and the admins): the
  trust's week in under a screen: what started, moved and was stopped, the trust KPIs
  whose Making Data Count reading changed since a week ago, the one in, one out breaches,
  the unanswered concerns, what is late, and a link to the dashboard;
- **school** (a school lead, or a viewer of some schools): their schools' late, stuck and
  stale work, breaches and unanswered concerns, and what moved and was stopped;
- **week ahead** (a project lead): their milestones, reviews and PDSA cycles to move on in
  the week from the next Monday, and the progress updates due (``tracker.my_week``);
- **central** (the central team): over-allocated experts, Deliver initiatives with no expert.

Items are ``tracker.nudges.Item`` of topic ``digest`` (one preference for every reader);
``tracker.nudge_mail`` writes them, the ``digest`` job (``tracker.jobs``) queues them.
"""
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import subqueryload

from tracker import kpis, my_week, pdsa
from tracker.models import (DeimplementationReview, Initiative, Milestone, School, Transition, User,
                            user_schools)
from tracker.models.initiative import PHASE_LABELS
from tracker.nudges import (Grouped, Item, breach_items, capacity_items, days_words, initiative_path,
                            last_update, long_date, schools_of, stale_condition, unanswered_items)

DIGEST_DAYS = 7

#: The digest each reader gets, by what they do (``digest_audience``).
BOARD, SCHOOL, WEEK_AHEAD, CENTRAL = "board", "school", "week_ahead", "central"

#: Making Data Count readings in words (the words of the icons, templates/_mdc.html).
VARIATION_WORDS = {"improvement": "special cause improvement", "concern": "special cause concern",
                   "common_cause": "common cause variation", None: "too few points to judge"}
ASSURANCE_WORDS = {"pass": "consistently passes the target", "fail": "consistently fails the target",
                   "uncertain": "hit and miss the target", None: "no assurance yet"}


def digest_audience(role, has_schools):
    """Which digest a person reads: the **board** is whoever reads the whole trust (a viewer
    with no school, and the admins); a school lead, or a viewer of some schools, reads their
    schools'; a project lead their week ahead; the central team its capacity."""
    if role == "admin" or (role == "viewer" and not has_schools):
        return BOARD
    if role in ("school_lead", "viewer"):
        return SCHOOL if has_schools else None
    return {"project_lead": WEEK_AHEAD, "central_team": CENTRAL}.get(role)


def digest(session, today, *, days=DIGEST_DAYS, zone="Europe/London"):
    """The weekly digest, one per reader (``digest_audience``): ``{user_id: [Item]}``.

    - **board**: the trust's week: what started, moved and was stopped in the ``days`` up to
      ``today``, the trust KPIs whose Making Data Count reading changed since a week ago,
      the one in, one out breaches, the unanswered concerns, and what is late;
    - **school**: for each of the person's schools, what is late, stuck and stale, the
      breaches and unanswered concerns, and what moved and was stopped;
    - **week ahead**: a project lead's milestones, reviews and PDSA cycles to move on in the
      week from the next Monday, and the progress updates due (``tracker.my_week``);
    - **central**: the over-allocated experts and the Deliver initiatives with no expert.

    A fixed number of queries, whatever the number of readers.
    """
    first = today - timedelta(days=days - 1)
    readers = defaultdict(set)
    roles = {}
    for user_id, role, school_id in session.execute(
            select(User.id, User.role, user_schools.c.school_id)
            .outerjoin(user_schools, user_schools.c.user_id == User.id)
            .where(User.active.is_(True), User.anonymised_at.is_(None),
                   User.role.is_not(None))).all():  # people waiting for a role read nothing
        roles[user_id] = role
        if school_id is not None:
            readers[user_id].add(school_id)
    audience = {u: digest_audience(role, bool(readers[u])) for u, role in roles.items()}
    wanted = set(audience.values())
    grouped = Grouped()
    if wanted & {BOARD, SCHOOL}:
        _trust_and_school_digests(session, today, first, days, zone, audience, readers, grouped)
    if CENTRAL in wanted:
        found = capacity_items(session, today, topic="digest")
        for item in found:
            grouped.add(sorted(u for u, a in audience.items() if a == CENTRAL), item)
    if WEEK_AHEAD in wanted:
        leads = session.execute(select(User).where(User.id.in_(
            [u for u, a in audience.items() if a == WEEK_AHEAD])).order_by(User.id)
            .options(subqueryload(User.schools))).scalars().all()
        weeks = my_week.my_weeks(session, leads, week_ahead_monday(today))
        for user in leads:
            for item in week_ahead_items(weeks[user.id], today):
                grouped.add([user.id], item)
    return grouped.result()


def _trust_and_school_digests(session, today, first, days, zone, audience, readers, grouped):
    per_school = defaultdict(list)
    board_only = []
    for school_ids, item in (_moved(session, first, today, zone) + _late(session, today)
                             + _stopped(session, first, today)):
        for school_id in school_ids:
            per_school[school_id].append(item)
        board_only.append(item)
    for school_id, item in (breach_items(session, today, topic="digest")
                            + unanswered_items(session, today, topic="digest")):
        per_school[school_id].append(item)
        board_only.append(item)
    school_readers = [u for u, a in audience.items() if a == SCHOOL]
    if school_readers:
        for school_ids, item in _stuck_and_stale(session, today, zone):
            for school_id in school_ids:
                per_school[school_id].append(item)
    for user_id in school_readers:
        for school_id in readers[user_id]:
            for item in per_school.get(school_id, ()):
                grouped.add([user_id], item)
    board = sorted(u for u, a in audience.items() if a == BOARD)
    if board:
        board_only += _started(session, first, today, zone)
        # Every board reader reads the whole trust, so one reading serves them all.
        board_only += kpi_changes(session, session.get(User, board[0]), today, days)
        for item in board_only:
            grouped.add(board, item)


def _stuck_and_stale(session, today, zone):
    """``[(school_ids, Item)]``: the stuck PDSA cycles and the stale initiatives (two or three
    queries each), for the school digest."""
    found = []
    cycles = pdsa.stuck_cycles(session, today)
    stale = session.execute(
        select(Initiative.id, Initiative.title, Initiative.last_update_at, Initiative.created_at)
        .where(stale_condition(today, zone=zone)).order_by(last_update(), Initiative.id)).all()
    schools = schools_of(session, select(Initiative.id).where(Initiative.id.in_(
        [c.initiative_id for c in cycles] + [row[0] for row in stale] or [-1])))
    for cycle in cycles:
        found.append((schools[cycle.initiative_id], Item(
            "digest", "pdsa_stuck", cycle.title, pdsa.why_stuck(cycle, today),
            initiative_path(cycle.initiative_id, "pdsa"), cycle.initiative.title,
            (cycle.stage_since, cycle.id))))
    for i_id, title, updated_at, created_at in stale:
        day = (updated_at or created_at).astimezone(ZoneInfo(zone)).date()
        found.append((schools[i_id], Item(
            "digest", "initiative_stale", title, f"No progress update since {long_date(day)}.",
            initiative_path(i_id, "updates"), title, (day, i_id))))
    return found


def _started(session, first, last, zone):
    """Initiatives the trust took on in ``first``..``last`` (created then)."""
    tz = ZoneInfo(zone)
    start, end = _window(first, last, tz)
    rows = session.execute(select(Initiative.id, Initiative.title, Initiative.created_at)
                           .where(Initiative.created_at >= start, Initiative.created_at < end)
                           .order_by(Initiative.created_at, Initiative.id)).all()
    return [Item("digest", "started", title,
                 f"Started on {long_date(at.astimezone(tz).date())}.", initiative_path(i_id),
                 title, (at.astimezone(tz).date(), i_id))
            for i_id, title, at in rows]


def kpi_changes(session, reader, today, days=DIGEST_DAYS):
    """``[Item]``: each trust KPI and school ``reader`` sees whose Making Data Count reading
    (variation or assurance) on ``today`` differs from its reading ``days`` before
    (``kpis.summaries`` as of each day; five queries)."""
    names = dict(session.execute(select(School.id, School.name)).all())
    trust_kpis = kpis.trust_kpis(session)
    now = kpis.summaries(session, reader, list(names), as_of=today, kpi_list=trust_kpis)
    before = kpis.summaries(session, reader, list(names), as_of=today - timedelta(days=days),
                            kpi_list=trust_kpis)
    kpi_names = {k.id: k.name for k in trust_kpis}
    items = []
    for (measure_id, school_id), reading in now.items():
        was = before.get((measure_id, school_id))
        if was is None or (was.variation, was.assurance) == (reading.variation, reading.assurance):
            continue
        parts = []
        if was.variation != reading.variation:
            parts.append(f"variation: {VARIATION_WORDS[was.variation]} → {VARIATION_WORDS[reading.variation]}")
        if was.assurance != reading.assurance:
            parts.append(f"assurance: {ASSURANCE_WORDS[was.assurance]} → {ASSURANCE_WORDS[reading.assurance]}")
        worse = reading.variation == "concern" or reading.assurance == "fail"
        items.append(Item("digest", "kpi_changed", f"{kpi_names.get(measure_id, 'A KPI')} in "
                          f"{names.get(school_id, 'a school')}", "; ".join(parts).capitalize() + ".",
                          f"/kpis/{measure_id}", "", (not worse, names.get(school_id, ""))))
    return items


def week_ahead_items(week, today):
    """``[Item]``: a project lead's week ahead from the next Monday (``week``, their
    ``my_week`` of it): milestones and reviews due by its Sunday (late ones too), PDSA cycles
    stuck or whose Do ends that week, and a progress update due on each initiative they own."""
    items = []
    for due in week.milestones:
        if due.done_on is None:
            items.append(Item("digest", "week_milestone", due.record.title, _due_words(due, today),
                              initiative_path(due.initiative.id, "milestones"), due.initiative.title,
                              (due.due_on, due.record.id)))
    for due in week.reviews:
        items.append(Item("digest", "week_review", "De-implementation review", _due_words(due, today),
                          f"/reviews/{due.record.id}", due.initiative.title, (due.due_on, due.record.id)))
    for due in week.cycles:
        if due.overdue or (due.due_on is not None and due.due_on <= week.week_ends):
            detail = due.why or f"Do ends on {long_date(due.due_on)}: time to Study."
            items.append(Item("digest", "week_cycle", due.record.title, detail,
                              initiative_path(due.initiative.id, "pdsa"), due.initiative.title,
                              (due.due_on or today, due.record.id)))
    for due in week.updates:
        last = due.initiative.last_update_at
        detail = (f"Log one by {long_date(week.week_ends)}; the last was on "
                  f"{long_date(last.date())}." if last else
                  f"Log one by {long_date(week.week_ends)}; none yet.")
        items.append(Item("digest", "week_update", due.initiative.title, detail,
                          initiative_path(due.initiative.id, "updates"), due.initiative.title,
                          (not due.overdue, due.initiative.id)))
    return items


def week_ahead_monday(today):
    """The Monday the week ahead starts: ``today`` on a Monday, else the next one."""
    return today + timedelta(days=(7 - today.weekday()) % 7)


def _due_words(due, today):
    late = (today - due.due_on).days
    return (f"{days_words(late)} overdue (due {long_date(due.due_on)})." if late > 0
            else f"Due {long_date(due.due_on)}.")


def _window(first, last, tz):
    """The moments from the start of day ``first`` to the end of day ``last`` in ``tz``."""
    return (datetime.combine(first, time.min, tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz))


def _moved(session, first, last, zone):
    tz = ZoneInfo(zone)
    start, end = _window(first, last, tz)
    window = (Transition.at >= start, Transition.at < end, Transition.to_phase != "deimplemented")
    rows = session.execute(
        select(Transition.id, Transition.initiative_id, Transition.from_phase, Transition.to_phase,
               Transition.at, Initiative.title)
        .join(Initiative, Initiative.id == Transition.initiative_id).where(*window)
        .order_by(Transition.at, Transition.id)).all()
    schools = schools_of(session, select(Transition.initiative_id).where(*window))
    found = []
    for t_id, i_id, from_phase, to_phase, at, title in rows:
        day = at.astimezone(tz).date()
        detail = (f"{PHASE_LABELS.get(from_phase, from_phase)} → {PHASE_LABELS.get(to_phase, to_phase)}"
                  f" on {long_date(day)}.")
        found.append((schools[i_id], Item("digest", "moved", title, detail, initiative_path(i_id),
                                          title, (day, t_id))))
    return found


def _late(session, today):
    late_milestones = (Milestone.done_on.is_(None), Milestone.due_on < today,
                       Initiative.status == "active")
    rows = session.execute(
        select(Milestone.id, Milestone.title, Milestone.due_on, Initiative.id, Initiative.title)
        .join(Initiative, Initiative.id == Milestone.initiative_id).where(*late_milestones)).all()
    late_reviews = (DeimplementationReview.decision.is_(None), DeimplementationReview.due_on < today,
                    Initiative.status == "active")
    review_rows = session.execute(
        select(DeimplementationReview.id, DeimplementationReview.due_on, Initiative.id,
               Initiative.title)
        .join(Initiative, Initiative.id == DeimplementationReview.initiative_id)
        .where(*late_reviews)).all()
    linked = select(Milestone.initiative_id).join(
        Initiative, Initiative.id == Milestone.initiative_id).where(*late_milestones).union(
        select(DeimplementationReview.initiative_id).join(
            Initiative, Initiative.id == DeimplementationReview.initiative_id).where(*late_reviews))
    schools = schools_of(session, linked)
    found = [(schools[i_id], Item("digest", "late", f"Milestone: {title}",
                                  f"{days_words((today - due_on).days)} overdue.",
                                  initiative_path(i_id, "milestones"), i_title, (due_on, m_id)))
             for m_id, title, due_on, i_id, i_title in rows]
    found += [(schools[i_id], Item("digest", "late", "De-implementation review",
                                   f"{days_words((today - due_on).days)} overdue.",
                                   f"/reviews/{r_id}", i_title, (due_on, r_id)))
              for r_id, due_on, i_id, i_title in review_rows]
    return found


def _stopped(session, first, last):
    ended = (Initiative.status == "deimplemented", Initiative.ended_on >= first,
             Initiative.ended_on <= last)
    practice = (Initiative.out_practice.is_not(None), Initiative.out_done_on >= first,
                Initiative.out_done_on <= last)
    rows = session.execute(select(Initiative.id, Initiative.title, Initiative.ended_on)
                           .where(*ended)).all()
    practices = session.execute(select(Initiative.id, Initiative.title, Initiative.out_practice,
                                       Initiative.out_done_on).where(*practice)).all()
    schools = schools_of(session, select(Initiative.id).where(*ended).union(
        select(Initiative.id).where(*practice)))
    found = [(schools[i_id], Item("digest", "stopped", title,
                                  f"De-implemented on {long_date(day)}.", initiative_path(i_id),
                                  title, (day, i_id)))
             for i_id, title, day in rows]
    found += [(schools[i_id], Item("digest", "stopped", practice_name,
                                   f"Stopped on {long_date(day)} to make room for “{title}”.",
                                   initiative_path(i_id), title, (day, i_id)))
              for i_id, title, practice_name, day in practices]
    return found
