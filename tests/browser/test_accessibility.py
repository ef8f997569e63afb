"""Every page, as every role, on a desktop and on a phone: no critical or serious axe-core
violation (issue 12). The crawl walks the app's own URL map, so a new page is checked the day
it is added, with ids of real records of the demo trust that the role may see."""
import re
import time
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import case, select, true

from tests.browser.conftest import DESKTOP, PHONE, format_violations
from tracker import demo
from tracker.extensions import db
from tracker.outbox import queue_message
from tracker.models import (Allocation, DeimplementationReview, Expert, Initiative, Measure,
                            MeasurePoint, Milestone, OutboxMessage, PdsaCycle, School, Unavailability,
                            Update, User)
from tracker.models import Goal, Insight
from tracker.permissions import visible_allocations, visible_initiatives, visible_school_ids

pytestmark = pytest.mark.browser

ROLES = ("admin", "central_team", "school_lead", "project_lead", "viewer")
#: One demo person per role; the viewer with a school sees less than the board member.
DEMO_PEOPLE = {"admin": "admin", "central_team": "central", "school_lead": "head.northfield",
               "project_lead": "lead.reading", "viewer": "viewer.millbrook"}
#: Paths that are not pages: files to download, the reset link (a redirect once used), and
#: single sign-on's hand-offs to and from the provider (their pages, the refusal and waiting
#: ones, are axed in test_single_sign_on.py, through a real provider).
NOT_PAGES = re.compile(r"^/(api/|static/)|\.(csv|xlsx|pdf)$|/export$|^/reset/|^/sso/")


def _by_initiative(model, visible, owned_first):
    return (select(model.id).join(Initiative, Initiative.id == model.initiative_id)
            .where(Initiative.id.in_(visible)).order_by(owned_first, model.id))


def record_ids(user):
    """For each path parameter, the id of a real record ``user`` may see, their own first
    (so an owner's edit pages open), or None when the demo trust has none."""
    owned_first = case((Initiative.owner_id == user.id, 0), else_=1)
    visible = visible_initiatives(select(Initiative.id), user).scalar_subquery()
    schools = visible_school_ids(user)
    queries = {
        "initiative_id": select(Initiative.id).where(Initiative.id.in_(visible))
        .order_by(owned_first, Initiative.phase != "deliver", Initiative.id),
        "measure_id": _by_initiative(Measure, visible, owned_first),
        "kpi_id": select(Measure.id).where(Measure.initiative_id.is_(None)).order_by(Measure.id),
        "review_id": _by_initiative(DeimplementationReview, visible, owned_first),
        "milestone_id": _by_initiative(Milestone, visible, owned_first),
        "cycle_id": _by_initiative(PdsaCycle, visible, owned_first),
        "update_id": _by_initiative(Update, visible, owned_first),
        "point_id": select(MeasurePoint.id).join(Measure).where(Measure.initiative_id.in_(visible))
        .order_by(MeasurePoint.id),
        "school_id": select(School.id).order_by(School.id)
        .where(true() if schools is None else School.id.in_(schools or [-1])),
        "allocation_id": visible_allocations(select(Allocation.id), user).order_by(Allocation.id),
        "user_id": select(User.id).where(User.id != user.id).order_by(User.id),
        "expert_id": select(Expert.id).order_by(Expert.id),
        "unavailability_id": select(Unavailability.id).order_by(Unavailability.id),
        "leave_id": select(Unavailability.id).order_by(Unavailability.id),
        "message_id": select(OutboxMessage.id).order_by(OutboxMessage.id),
        "insight_id": select(Insight.id).order_by(Insight.id)
        .where(true() if schools is None else Insight.school_id.in_(schools or [-1])),
        # the trust's goal first: the demo's driver diagram with its initiatives
        "goal_id": select(Goal.id).order_by(Goal.school_id.is_not(None), Goal.id)
        .where(true() if schools is None
               else Goal.school_id.is_(None) | Goal.school_id.in_(schools or [-1])),
    }
    return {name: db.session.execute(query.limit(1)).scalar() for name, query in queries.items()}


def page_paths(app, ids):
    """Every GET page route with its parameters filled: (path or None when no record fits, rule)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or NOT_PAGES.search(rule.rule) or rule.endpoint == "static":
            continue
        missing = [name for name in rule.arguments if name not in ids]
        assert not missing, (f"the accessibility crawl cannot fill {missing} in {rule.rule}: "
                             "add the parameter to record_ids")
        if any(ids[name] is None for name in rule.arguments):
            yield None, rule.rule
            continue
        yield re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule), rule.rule


def crawl(page, paths, role, accessibility_problems, seen):
    """Visit each path the signed-in role can open and axe each page; error pages (403, 404)
    once per size. ``seen`` holds the routes (and error statuses) already checked at this size:
    colours are checked once per page per size, and on each role's home page (the header,
    with its role badge, is the only part whose colours differ by role).
    Returns (problems, visited)."""
    problems, visited = [], []
    for path, rule in paths:
        if path is None:
            continue
        answer = page.goto(path)
        assert answer.status < 500, f"{path} as {role} answered {answer.status}"
        redirected = answer.request.redirected_from is not None
        html = answer.headers.get("content-type", "").startswith("text/html")
        key = rule if answer.status == 200 else answer.status
        if redirected or not html or (answer.status != 200 and key in seen):
            continue
        visited.append(f"{rule} ({answer.status})")
        contrast = key not in seen or rule == "/"
        seen.add(key)
        for problem in accessibility_problems(page, contrast=contrast):
            problems.append(dict(problem, role=role))
    return problems, visited


def test_every_page_has_no_serious_accessibility_violation_for_any_role_at_either_size(
        app, live_server, _browser, sign_in, accessibility_problems):
    demo.seed(db.session)
    admin = db.session.execute(select(User).where(User.role == "admin")).scalars().first()
    # The demo queues no email; one message gives the outbox's message page a record.
    queue_message(db.session, kind="review_due", recipient=admin, subject="Review due",
                  text="A review is due.", html="<p>A review is due.</p>", key_date=date.today(),
                  subject_key="accessibility")
    db.session.commit()
    people = {role: db.session.execute(select(User).where(User.email == f"{local.lower()}@demo.trust"))
              .scalar_one() for role, local in DEMO_PEOPLE.items()}
    paths = {role: list(page_paths(app, record_ids(user))) for role, user in people.items()}
    paths["signed out"] = list(page_paths(app, {name: 1 for name in record_ids(people["admin"])}))
    paths["admin"].append(("/initiatives/999999999", "a page that is not there"))
    # the school comparison filtered, and with a filter it cannot apply (told beside the field)
    paths["admin"].append(("/dashboard?pillar=data&phase=deliver", "/dashboard?pillar=&phase="))
    paths["school_lead"].append(("/dashboard?pillar=nonsense", "/dashboard?pillar= (impossible)"))
    for role, user in people.items():  # a trust KPI's chart in one school (the KPI pages' drill-down)
        ids = record_ids(user)
        paths[role].append((f"/measures/{ids['kpi_id']}?school_id={ids['school_id']}",
                            "/measures/<measure_id>?school_id= (a trust KPI)"))
    for role, user in people.items():  # a school's unanswered concerns (the dashboard's link)
        paths[role].append((f"/schools/{record_ids(user)['school_id']}/insights?unanswered=1",
                            "/schools/<school_id>/insights?unanswered=1"))
    never_filled = {rule for role_paths in paths.values() for path, rule in role_paths if path is None}

    started = time.perf_counter()
    problems, visits = [], 0
    for size in (DESKTOP, PHONE):
        context = _browser.new_context(base_url=live_server, viewport=size)
        context.set_default_timeout(10_000)
        page = context.new_page()
        seen = set()
        try:
            for role in ("signed out",) + ROLES:
                context.clear_cookies()
                if role != "signed out":
                    sign_in(page, people[role], password=demo.DEMO_PASSWORD)
                    assert urlsplit(page.url).path != "/login", f"{role} could not sign in"
                found, visited = crawl(page, paths[role], role, accessibility_problems, seen)
                assert visited, f"{role} opened no page"
                problems += found
                visits += len(visited)
        finally:
            context.close()
    elapsed = time.perf_counter() - started
    print(f"\naccessibility crawl: {visits} page visits in {elapsed:.1f} s (target: 90 s); "
          f"routes some role had no record for: {sorted(never_filled) or 'none'}")

    assert not problems, format_violations(problems)
