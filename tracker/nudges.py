"""Who to nudge about what: plain functions from the database to items grouped per person.

Each function returns ``{user_id: [Item, ...]}`` and runs a fixed number of queries
whatever the size of the trust (no query per initiative, milestone or person). The jobs
(``tracker.jobs``) keep the items each person wants (``tracker.notifications``), and
``tracker.nudge_mail`` writes them as one email per person.

Who gets what:
- milestones overdue or due within ``due_soon_days``: the milestone's owner, else the
  initiative's owner, else the school leads;
- active initiatives with no progress update for ``stale_days``: the initiative's owner;
- stuck PDSA cycles (``tracker.pdsa.stuck_cycles``): the cycle's owner, else the
  initiative's owner;
- de-implementation reviews due or overdue: the reviewer, else the school leads;
- escalation: a milestone or review overdue by ``escalate_after_days`` or more also goes
  to the school leads of the initiative's schools;
- one in, one out breaches (``tracker.policy.breaches``): the school's leads (admins
  when a school has none);
- capacity problems (``tracker.capacity``): the central team (admins when there is none);
- unanswered concerns (``tracker.insights.unanswered``): the school's leads (admins when a
  school has none), in the same daily email as their other nudges;

The weekly digest (``tracker.digests``) builds on the same items.

Nobody inactive or anonymised is ever a recipient.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import and_, func, select

from tracker import capacity, insights, pdsa, policy
from tracker.models import (DeimplementationReview, Initiative, Milestone, School, User,
                            initiative_schools, user_schools)

# --- items -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One thing to tell one person: a line in their email."""

    topic: str
    #: What kind of line: decides the section it is listed under (``nudge_mail.SECTIONS``).
    kind: str
    title: str
    detail: str
    #: The page to act on it, relative to the tracker's BASE_URL.
    path: str
    #: The initiative it belongs to, for context ("" when it is about a school or an expert).
    initiative: str = ""
    #: Orders lines inside a section (most urgent first).
    sort: tuple = field(default=(), compare=False)



def long_date(day):
    return f"{day.day} {day:%B %Y}"


def days_words(n):
    return f"{n} day" if n == 1 else f"{n} days"


class People:
    """Who is active, and who leads each school, loaded once per job (two queries)."""

    def __init__(self, session):
        rows = session.execute(select(User.id, User.role).where(
            User.active.is_(True), User.anonymised_at.is_(None),
            User.role.is_not(None))).all()  # people waiting for a role (tracker.sso) get nothing
        self.active = {user_id for user_id, _ in rows}
        self.by_role = defaultdict(list)
        for user_id, role in rows:
            self.by_role[role].append(user_id)
        self.leads = defaultdict(list)
        for school_id, user_id in session.execute(
                select(user_schools.c.school_id, User.id)
                .join(User, User.id == user_schools.c.user_id)
                .where(User.role == "school_lead", User.active.is_(True),
                       User.anonymised_at.is_(None))
                .order_by(User.id)).all():
            self.leads[school_id].append(user_id)

    def first_active(self, *user_ids):
        return next((u for u in user_ids if u is not None and u in self.active), None)

    def leads_of(self, school_ids):
        return sorted({u for s in school_ids for u in self.leads.get(s, ())})

    def role(self, role):
        return sorted(self.by_role.get(role, ()))


def schools_of(session, initiatives_subquery):
    """``{initiative_id: [school_id]}`` for the initiatives a subquery of ids selects."""
    link = initiative_schools.c
    mapping = defaultdict(list)
    for initiative_id, school_id in session.execute(
            select(link.initiative_id, link.school_id)
            .where(link.initiative_id.in_(initiatives_subquery))).all():
        mapping[initiative_id].append(school_id)
    return mapping


class Grouped:
    """Items per recipient, never the same item twice to one person."""

    def __init__(self):
        self.items = defaultdict(dict)

    def add(self, user_ids, item):
        for user_id in user_ids:
            if user_id is not None:
                self.items[user_id].setdefault((item.kind, item.path, item.title), item)

    def result(self):
        return {user_id: sorted(found.values(), key=_order)
                for user_id, found in self.items.items()}


def _order(item):
    # Items of one kind share the shape of their ``sort``; the email orders the kinds.
    return (item.kind, item.sort, item.title)


def initiative_path(initiative_id, anchor=""):
    return f"/initiatives/{initiative_id}" + (f"#{anchor}" if anchor else "")


# --- the nudges job ----------------------------------------------------------------------

def nudges(session, today, *, due_soon_days=7, stale_days=30, escalate_after_days=14,
           pdsa_do_days=14, pdsa_idle_days=30, zone="Europe/London"):
    """Everything the daily nudges job tells each person on ``today``:
    ``{user_id: [Item]}``. A fixed number of queries (eleven) whatever the trust's size."""
    people = People(session)
    grouped = Grouped()
    _milestones(session, today, people, grouped, due_soon_days, escalate_after_days)
    _reviews(session, today, people, grouped, due_soon_days, escalate_after_days)
    _stale(session, today, people, grouped, stale_days, zone)
    _stuck_cycles(session, today, people, grouped, pdsa_do_days, pdsa_idle_days)
    for school_id, item in unanswered_items(session, today):
        grouped.add(people.leads_of([school_id]) or people.role("admin"), item)
    return grouped.result()


def _milestones(session, today, people, grouped, due_soon_days, escalate_after_days):
    due = (Milestone.done_on.is_(None), Milestone.due_on <= today + timedelta(days=due_soon_days),
           Initiative.status == "active")
    rows = session.execute(
        select(Milestone.id, Milestone.title, Milestone.due_on, Milestone.owner_id,
               Initiative.id, Initiative.title, Initiative.owner_id)
        .join(Initiative, Initiative.id == Milestone.initiative_id).where(*due)
        .order_by(Milestone.due_on, Milestone.id)).all()
    schools = schools_of(session, select(Milestone.initiative_id)
                          .join(Initiative, Initiative.id == Milestone.initiative_id).where(*due))
    for m_id, title, due_on, owner_id, i_id, i_title, i_owner_id in rows:
        leads = people.leads_of(schools[i_id])
        recipient = people.first_active(owner_id, i_owner_id)
        _due_or_overdue(grouped, "milestones", "milestone", title, due_on, today, m_id,
                        initiative_path(i_id, "milestones"), i_title, recipient, leads,
                        escalate_after_days, "Owner has been nudged.")


def _reviews(session, today, people, grouped, due_soon_days, escalate_after_days):
    due = (DeimplementationReview.decision.is_(None),
           DeimplementationReview.due_on <= today + timedelta(days=due_soon_days),
           Initiative.status == "active")
    rows = session.execute(
        select(DeimplementationReview.id, DeimplementationReview.due_on,
               DeimplementationReview.reviewer_id, Initiative.id, Initiative.title)
        .join(Initiative, Initiative.id == DeimplementationReview.initiative_id).where(*due)
        .order_by(DeimplementationReview.due_on, DeimplementationReview.id)).all()
    schools = schools_of(session, select(DeimplementationReview.initiative_id)
                          .join(Initiative, Initiative.id == DeimplementationReview.initiative_id)
                          .where(*due))
    for r_id, due_on, reviewer_id, i_id, i_title in rows:
        _due_or_overdue(grouped, "reviews", "review", "De-implementation review", due_on, today,
                        r_id, f"/reviews/{r_id}", i_title, people.first_active(reviewer_id),
                        people.leads_of(schools[i_id]), escalate_after_days,
                        "The reviewer has been nudged.")


def _due_or_overdue(grouped, topic, noun, title, due_on, today, record_id, path, initiative_title,
                    recipient, leads, escalate_after_days, escalation_note):
    """Nudge ``recipient`` (else the school leads) that something is due or overdue, and
    escalate to the school leads once it is ``escalate_after_days`` late."""
    late = (today - due_on).days
    order = (due_on, record_id)
    if late > 0:
        detail = f"{days_words(late)} overdue (due {long_date(due_on)})."
        item = Item(topic, f"{noun}_overdue", title, detail, path, initiative_title, order)
    else:
        when = "today" if late == 0 else f"in {days_words(-late)}"
        item = Item(topic, f"{noun}_due", title, f"Due {when} ({long_date(due_on)}).", path,
                    initiative_title, order)
    grouped.add([recipient] if recipient else leads, item)
    if late > 0 and late >= escalate_after_days and recipient is not None:
        grouped.add([u for u in leads if u != recipient], Item(
            "escalations", f"escalated_{noun}", title, f"{detail} {escalation_note}", path,
            initiative_title, order))


def configured_stale_days():
    """``NUDGE_STALE_DAYS``: how long without a progress update makes an initiative stale."""
    return current_app.config.get("NUDGE_STALE_DAYS", 30) if has_app_context() else 30


def stale_condition(today, stale_days=None, zone=None):
    """The SQL condition for a stale initiative: active, and its latest progress update (or,
    with none, its creation) fell on or before the day ``stale_days`` ago in the trust's
    time zone (``zone``). None means the trust's settings (``NUDGE_STALE_DAYS``, ``TIMEZONE``).
    The nudges job, the dashboard and the initiative list all use it."""
    if stale_days is None:
        stale_days = configured_stale_days()
    if zone is None:
        zone = current_app.config.get("TIMEZONE", "Europe/London") if has_app_context() \
            else "Europe/London"
    since = datetime.combine(today - timedelta(days=stale_days - 1), time.min, tzinfo=ZoneInfo(zone))
    return and_(Initiative.status == "active", last_update() < since)


def last_update():
    return func.coalesce(Initiative.last_update_at, Initiative.created_at)


def _stale(session, today, people, grouped, stale_days, zone):
    """Active initiatives whose latest update (or, with none, their creation) is too old."""
    rows = session.execute(
        select(Initiative.id, Initiative.title, Initiative.owner_id, Initiative.last_update_at,
               Initiative.created_at)
        .where(stale_condition(today, stale_days, zone))
        .order_by(last_update(), Initiative.id)).all()
    for i_id, title, owner_id, updated_at, created_at in rows:
        moment = updated_at or created_at
        day = moment.astimezone(ZoneInfo(zone)).date() if moment.tzinfo else moment.date()
        detail = (f"No progress update for {days_words((today - day).days)} (last on {long_date(day)})."
                  if updated_at else f"No progress update since it started on {long_date(day)}.")
        grouped.add([people.first_active(owner_id)], Item(
            "stale", "initiative_stale", title, detail, initiative_path(i_id, "updates"), title,
            (day, i_id)))


def _stuck_cycles(session, today, people, grouped, do_days, idle_days):
    for cycle in pdsa.stuck_cycles(session, today, do_days=do_days, idle_days=idle_days):
        initiative = cycle.initiative
        grouped.add([people.first_active(cycle.owner_id, initiative.owner_id)], Item(
            "pdsa", "pdsa_stuck", cycle.title, pdsa.why_stuck(cycle, today),
            initiative_path(initiative.id, "pdsa"),
            initiative.title, (cycle.stage_since, cycle.id)))


# --- the policy job ----------------------------------------------------------------------

def policy_nudges(session, today):
    """One in, one out breaches on ``today`` for each school's leads (admins when a school
    has no lead): ``{user_id: [Item]}``. A fixed number of queries."""
    people = People(session)
    grouped = Grouped()
    for school_id, item in breach_items(session, today):
        grouped.add(people.leads_of([school_id]) or people.role("admin"), item)
    return grouped.result()


def breach_items(session, today, topic="policy"):
    """``[(school_id, Item)]``: each one in, one out breach on ``today`` (six queries)."""
    found = policy.breaches(session, today)
    titles = dict(session.execute(select(Initiative.id, Initiative.title)
                                  .where(Initiative.id.in_({b["initiative_id"] for b in found} or {-1}))).all())
    names = dict(session.execute(select(School.id, School.name)
                                 .where(School.id.in_({b["school_id"] for b in found} or {-1}))).all())
    items = []
    for breach in found:
        school, initiative_id = names.get(breach["school_id"], "A school"), breach["initiative_id"]
        title = titles.get(initiative_id, "an initiative")
        since = breach["since"]
        if breach["kind"] == "over_limit":
            item = Item(topic, "over_limit", school,
                        f"Over its limit of initiatives in Prepare or Deliver since "
                        f"{long_date(since)}, when “{title}” was taken on.",
                        f"/policy/schools/{breach['school_id']}", title, (since, initiative_id))
        else:
            item = Item(topic, "out_overdue", title,
                        f"In {school}: what it was to stop is not stopped (overdue since "
                        f"{long_date(since)}).", initiative_path(initiative_id), title,
                        (since, initiative_id))
        items.append((breach["school_id"], item))
    return items


# --- unanswered concerns -------------------------------------------------------------------

def unanswered_items(session, today, school_ids=None, topic="insights"):
    """``[(school_id, Item)]``: each concern no initiative has taken up on ``today``
    (``tracker.insights.unanswered``), oldest first; two queries."""
    found = insights.unanswered(session, today, school_ids)
    names = dict(session.execute(select(School.id, School.name).where(
        School.id.in_({i.school_id for i in found} or {-1}))).all())
    items = []
    for insight in found:
        source = insights.SOURCE_LABELS.get(insight.source, insight.source)
        detail = (f"{source}, {long_date(insight.on)}: judged a concern, and no initiative has "
                  f"taken it up since {long_date(insights.answer_by(insight.on))}.")
        items.append((insight.school_id, Item(
            topic, "unanswered_concern", insight.title, detail,
            f"/schools/{insight.school_id}/insights?unanswered=1",
            names.get(insight.school_id, ""), (insight.on, insight.id))))
    return items


# --- the capacity job --------------------------------------------------------------------

def capacity_nudges(session, today, weeks=8):
    """Experts over-allocated in the ``weeks`` from ``today``'s week, and initiatives in
    Deliver with no capacity, for the central team (admins when there is none)."""
    people = People(session)
    grouped = Grouped()
    for item in capacity_items(session, today, weeks):
        grouped.add(people.role("central_team") or people.role("admin"), item)
    return grouped.result()


def capacity_items(session, today, weeks=8, topic="capacity"):
    """``[Item]``: the over-allocated experts and the Deliver initiatives with no capacity."""
    monday = today - timedelta(days=today.weekday())
    items = [_over_allocated_item(entry, topic) for entry in capacity.over_allocations(
        session, monday, monday + timedelta(weeks=weeks, days=-1))]
    items += [_no_capacity_item(entry, topic)
              for entry in capacity.initiatives_without_capacity(session, today)]
    return items


def _over_allocated_item(entry, topic):
    """An item from one entry of ``capacity.over_allocations``."""
    weeks = entry["weeks"]
    mondays = sorted(date.fromisocalendar(int(w["week"][:4]), int(w["week"][6:]), 1) for w in weeks)
    worst = max(w["excess"] for w in weeks)
    count = f"{len(weeks)} week{'s' if len(weeks) != 1 else ''}"
    detail = (f"Over their days by up to {worst:g} a week, in {count} from the week of "
              f"{long_date(mondays[0])}.")
    return Item(topic, "over_allocated", entry["name"], detail,
                "/planner", "", (mondays[0], entry["name"]))


def _no_capacity_item(initiative, topic):
    return Item(topic, "no_capacity", initiative.title,
                "In Deliver with no expert allocated to it today.",
                initiative_path(initiative.id), initiative.title, (initiative.title, initiative.id))
