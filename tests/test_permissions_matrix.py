"""Every route × every role → the answer it must get. One table for the API, one for the pages.

The world: "my school" and "another school", each with an initiative and everything that
hangs off one (milestone, measure, PDSA cycle, review, update, allocation). The acting
people are an admin and a central-team member (no school), and a school lead, a project
lead (owner of my school's initiative) and a viewer, all three of my school.

Each row names a route, and for the record in my school (``mine``) and in the other school
(``other``) the status each role gets, in the order of ``ROLES``. Signed-out callers get
401 from every API route but the public ones, and are sent to /login from every page.

A route in ``app.url_map`` with no row fails ``test_every_route_has_a_row``: whoever adds
a route adds its row here, saying who may call it.
"""
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable, Optional
from urllib.parse import quote

import pytest
from flask import g, session
from sqlalchemy import select

from tests.conftest import _PASSWORD_HASH, PASSWORD
from tracker import models as m
from tracker.auth import issue_token, start_session
from tracker.extensions import db
from tracker.models.initiative import PILLARS

ROLES = ("admin", "central_team", "school_lead", "project_lead", "viewer")
TARGETS = ("mine", "other")

#: The view modules whose every route must have a row (those that existed when the matrix
#: was last brought up to date). A new module joins by adding its rows and its name here.
STRICT_MODULES = {
    "tracker.blueprints.auth", "tracker.blueprints.admin", "tracker.blueprints.pages.home",
    "tracker.blueprints.pages.initiatives", "tracker.blueprints.api.tokens",
    "tracker.blueprints.api.schools", "tracker.blueprints.api.users",
    "tracker.blueprints.api.initiatives", "tracker.blueprints.api.audit", "flask_smorest.spec",
    "tracker.blueprints.api.transitions", "tracker.blueprints.api.milestones",
    "tracker.blueprints.api.updates", "tracker.blueprints.api.pdsa",
    "tracker.blueprints.api.measures", "tracker.blueprints.api.policy",
    "tracker.blueprints.api.reviews", "tracker.blueprints.api.dashboard",
    "tracker.blueprints.api.coverage", "tracker.blueprints.pages.coverage",
    "tracker.blueprints.api.experts", "tracker.blueprints.api.allocations",
    "tracker.blueprints.admin.outbox", "tracker.blueprints.pages.account",
    "tracker.blueprints.pages.capacity", "tracker.blueprints.pages.dashboard",
    "tracker.blueprints.pages.lifecycle", "tracker.blueprints.pages.measures",
    "tracker.blueprints.pages.notifications", "tracker.blueprints.pages.policy",
    "tracker.blueprints.pages.experts", "tracker.blueprints.pages.milestones",
    "tracker.blueprints.pages.pdsa", "tracker.blueprints.pages.updates",
    "tracker.blueprints.pages.reviews",
    "tracker.blueprints.api.users", "tracker.blueprints.pages.my_week",
    "tracker.blueprints.api.exports", "tracker.blueprints.pages.exports",
    "tracker.blueprints.pages.board_pack",
    "tracker.blueprints.api.self_evaluations", "tracker.blueprints.pages.self_evaluation",
    "tracker.blueprints.pages.kpis",
    "tracker.blueprints.api.insights", "tracker.blueprints.pages.insights", "tracker.blueprints.pages.school_page",
    "tracker.blueprints.api.goals", "tracker.blueprints.pages.goals",
    "tracker.blueprints.health", "tracker.blueprints.auth.sso",
}
#: Routes that are not the app's (static files, the catch-all for unknown API paths).
NOT_ROUTES = {"static", "unknown_api_path"}


def every(status):
    return (status,) * len(ROLES)


# The five columns, in ROLES order: admin, central_team, school_lead, project_lead, viewer.
READ_MINE = every(200)
READ_OTHER = (200, 200, 404, 404, 404)        # school scope: not theirs → not found
WRITE_MINE = (200, 403, 200, 200, 403)        # owner, school lead or admin
WRITE_OTHER = (200, 403, 404, 404, 404)
CREATE_MINE = (201, 403, 201, 201, 403)
CREATE_OTHER = (201, 403, 404, 404, 404)
ADMIN_ONLY = (200, 403, 403, 403, 403)
ALLOCATORS = (200, 200, 403, 403, 403)
#: A page POST that is allowed: the page again with the form's errors (200 or 422) or a
#: redirect back after it did the thing (302/303). Only refusals are pinned exactly.
OK = "allowed"
ADMIN_OK = (OK, 403, 403, 403, 403)
WRITE_OK_MINE = (OK, 403, OK, OK, 403)
WRITE_OK_OTHER = (OK, 403, 404, 404, 404)
MOVE_MINE = (OK, 403, OK, 403, 403)
MOVE_OTHER = (OK, 403, 404, 404, 404)


@dataclass
class Row:
    method: str
    path: str
    mine: tuple
    other: Optional[tuple] = None
    #: ``body(world, ids)``: a valid request body, so the answer is about permission.
    body: Optional[Callable] = None
    #: The request changes its target for good (moves, deletes): a new one for each role.
    fresh: bool = False
    public: bool = False
    #: ``query(world, ids)``: a query string the route needs.
    query: Optional[Callable] = None
    #: What a second row for the same route asks about (it names the test case).
    case: str = ""
    #: ``{measure_id}`` is the world's trust KPI; ``mine``/``other`` is the school its value,
    #: chart or ``school_id`` is for (``{point_id}`` that school's KPI value).
    kpi: bool = False

    @property
    def key(self):
        return self.method, self.path


def _version(model, record_id):
    return db.session.execute(select(model.version).where(model.id == record_id)).scalar_one()


def _soon(days=30):
    return (date.today() + timedelta(days=days)).isoformat()


def _kpi_value(w, ids):
    """A trust KPI value for the row's school on a day no other call used (so each is new)."""
    day = date.today() - timedelta(days=int(w.unique("")) % 300)
    return {"on": day.isoformat(), "value": 95.5, "school_id": ids["school_id"]}


#: Insights: admins, the central team and the school's leads write them (by status).
INSIGHT_WRITE_MINE_API = {s: (s, s, s, 403, 403) for s in (200, 201, 204)}
INSIGHT_WRITE_OTHER_API = {s: (s, s, 404, 404, 404) for s in (200, 201, 204)}
INSIGHT_PAGE_MINE = (200, 200, 200, 403, 403)
INSIGHT_PAGE_OTHER = (200, 200, 404, 404, 404)
INSIGHT_POST_MINE = (OK, OK, OK, 403, 403)
INSIGHT_POST_OTHER = (OK, OK, 404, 404, 404)


#: A school's goal: written by admins and its school leads, read like the school.
GOAL_WRITE_MINE_API = {s: (s, 403, s, 403, 403) for s in (200, 201, 204)}
GOAL_WRITE_OTHER_API = {s: (s, 403, 404, 404, 404) for s in (200, 201, 204)}
GOAL_PAGE_MINE = (200, 403, 200, 403, 403)
GOAL_POST_MINE = (OK, 403, OK, 403, 403)
GOAL_POST_OTHER = (OK, 403, 404, 404, 404)


def _insight():
    return {"source": "peer_review", "on": date.today().isoformat(), "title": "Feedback unused",
            "judgement": "concern"}


def _round(school_id=None):
    """A self-evaluation round rating every pillar (the trust's own without a school)."""
    return {"on": date.today().isoformat(), "school_id": school_id,
            "ratings": [{"pillar": p, "rating": 3, "evidence": "Seen on visits."} for p in PILLARS]}


API = [
    # tokens: signing in is public; each person lists and revokes their own
    Row("POST", "/api/v1/tokens", every(201), public=True,
        body=lambda w, ids: {"email": w.email, "password": PASSWORD}),
    Row("GET", "/api/v1/tokens", every(200)),
    Row("DELETE", "/api/v1/tokens/current", every(204)),
    Row("DELETE", "/api/v1/tokens/{token_id}", every(204), (204, 404, 404, 404, 404), fresh=True),
    Row("GET", "/api/v1/openapi.json", every(200), public=True),
    # schools: everyone reads their own; admins set them up
    Row("GET", "/api/v1/schools", every(200)),
    Row("POST", "/api/v1/schools", (201, 403, 403, 403, 403),
        body=lambda w, ids: {"name": "New School", "urn": w.unique("U"), "phase": "primary"}),
    Row("GET", "/api/v1/schools/{school_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/schools/{school_id}", ADMIN_ONLY, (200, 403, 404, 404, 404),
        body=lambda w, ids: {"name": "Renamed", "version": _version(m.School, ids["school_id"])}),
    # users: admins manage people; a viewer sees only themselves
    Row("GET", "/api/v1/users", every(200)),
    Row("POST", "/api/v1/users", (201, 403, 403, 403, 403),
        body=lambda w, ids: {"email": w.unique("new") + "@example.org", "name": "New Person",
                             "role": "viewer", "password": "Quiet-lantern-harbour-91"}),
    Row("GET", "/api/v1/users/me", every(200)),
    Row("GET", "/api/v1/users/{user_id}", (200, 200, 200, 200, 404), READ_OTHER),
    Row("PATCH", "/api/v1/users/{user_id}", (200, 403, 403, 403, 404), (200, 403, 404, 404, 404),
        body=lambda w, ids: {"name": "Renamed", "version": _version(m.User, ids["user_id"])}),
    # initiatives
    Row("GET", "/api/v1/initiatives", every(200)),
    Row("POST", "/api/v1/initiatives", CREATE_MINE, (201, 403, 422, 422, 422),
        body=lambda w, ids: {"title": "A new start", "school_ids": [ids["school_id"]]}),
    Row("GET", "/api/v1/initiatives/{initiative_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/initiatives/{initiative_id}", WRITE_MINE, WRITE_OTHER,
        body=lambda w, ids: {"problem": "Sharper.",
                             "version": _version(m.Initiative, ids["initiative_id"])}),
    # (an owner may write what they own, so nobody hands an initiative to a viewer)
    Row("PATCH", "/api/v1/initiatives/{initiative_id}", (422, 403, 422, 422, 403),
        (422, 403, 404, 404, 404), case="owner who may not write it",
        body=lambda w, ids: {"owner_id": w.people["viewer"].id,
                             "version": _version(m.Initiative, ids["initiative_id"])}),
    # audit
    Row("GET", "/api/v1/audit", ADMIN_ONLY),
    # people's own data (security)
    Row("GET", "/api/v1/users/me/export", every(200)),
    Row("POST", "/api/v1/users/me/password", every(204),
        body=lambda w, ids: {"current_password": PASSWORD,
                             "new_password": "Granite-sparrow-meadow-" + w.unique("")}),
    # (an admin may anonymise only a deactivated person: an active one is refused with 422)
    Row("POST", "/api/v1/users/{user_id}/anonymise", (422, 403, 403, 403, 404),
        (422, 403, 404, 404, 404), fresh=True),
    Row("POST", "/api/v1/users/{user_id}/reset-link", (201, 403, 403, 403, 404),
        (201, 403, 404, 404, 404)),
    # lifecycle: phases move by the school lead or an admin
    Row("GET", "/api/v1/initiatives/{initiative_id}/transitions", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/initiatives/{initiative_id}/transitions", (201, 403, 201, 403, 403),
        (201, 403, 404, 404, 404), fresh=True, body=lambda w, ids: {"to": "prepare"}),
    Row("GET", "/api/v1/initiatives/{initiative_id}/gates", READ_MINE, READ_OTHER),
    Row("GET", "/api/v1/initiatives/{initiative_id}/milestones", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/initiatives/{initiative_id}/milestones", CREATE_MINE, CREATE_OTHER,
        body=lambda w, ids: {"title": "Training done", "due_on": _soon()}),
    Row("GET", "/api/v1/milestones/{milestone_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/milestones/{milestone_id}", WRITE_MINE, WRITE_OTHER,
        body=lambda w, ids: {"title": "Renamed",
                             "version": _version(m.Milestone, ids["milestone_id"])}),
    Row("DELETE", "/api/v1/milestones/{milestone_id}", (204, 403, 204, 204, 403),
        (204, 403, 404, 404, 404), fresh=True),
    Row("GET", "/api/v1/initiatives/{initiative_id}/updates", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/initiatives/{initiative_id}/updates", CREATE_MINE, CREATE_OTHER,
        body=lambda w, ids: {"rag": "amber", "narrative": "Slipping a little."}),
    Row("GET", "/api/v1/initiatives/{initiative_id}/pdsa-cycles", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/initiatives/{initiative_id}/pdsa-cycles", CREATE_MINE, CREATE_OTHER,
        body=lambda w, ids: {"title": "Try it with one class"}),
    Row("GET", "/api/v1/pdsa-cycles/{cycle_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/pdsa-cycles/{cycle_id}", WRITE_MINE, WRITE_OTHER,
        body=lambda w, ids: {"title": "Renamed", "version": _version(m.PdsaCycle, ids["cycle_id"])}),
    Row("POST", "/api/v1/pdsa-cycles/{cycle_id}/advance", WRITE_MINE, WRITE_OTHER, fresh=True,
        body=lambda w, ids: {"question": "Will it work?", "prediction": "Yes.",
                             "version": _version(m.PdsaCycle, ids["cycle_id"])}),
    # measures
    Row("GET", "/api/v1/initiatives/{initiative_id}/measures", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/initiatives/{initiative_id}/measures", CREATE_MINE, CREATE_OTHER,
        body=lambda w, ids: {"name": "Reading age"}),
    Row("GET", "/api/v1/measures/{measure_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/measures/{measure_id}", WRITE_MINE, WRITE_OTHER,
        body=lambda w, ids: {"name": "Renamed", "version": _version(m.Measure, ids["measure_id"])}),
    Row("DELETE", "/api/v1/measures/{measure_id}", (204, 403, 204, 204, 403),
        (204, 403, 404, 404, 404), fresh=True),
    Row("GET", "/api/v1/measures/{measure_id}/points", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/measures/{measure_id}/points", CREATE_MINE, CREATE_OTHER,
        body=lambda w, ids: {"on": _soon(-int(w.unique(""))), "value": 3.5}),
    Row("DELETE", "/api/v1/measures/{measure_id}/points/{point_id}", (204, 403, 204, 204, 403),
        (204, 403, 404, 404, 404), fresh=True),
    Row("POST", "/api/v1/measures/{measure_id}/points/import", WRITE_MINE, WRITE_OTHER,
        body=lambda w, ids: ("text/csv", "date,value\n" + _soon(-14) + ",4.5\n")),
    Row("GET", "/api/v1/measures/{measure_id}/run-chart", READ_MINE, READ_OTHER),
    Row("GET", "/api/v1/measures/{measure_id}/spc", READ_MINE, READ_OTHER),
    Row("GET", "/api/v1/measures/{measure_id}/rebases", READ_MINE, READ_OTHER),
    # trust KPIs: everyone reads them; admins and the central team define them; a school's
    # values are written by its school lead, admins and the central team
    Row("GET", "/api/v1/measures", READ_MINE),
    Row("POST", "/api/v1/measures", (201, 201, 403, 403, 403),
        body=lambda w, ids: {"name": "Attendance", "unit": "%", "target": 95}),
    Row("GET", "/api/v1/measures/{measure_id}/schools", READ_MINE, kpi=True),
    Row("GET", "/api/v1/measures/{measure_id}", READ_MINE, kpi=True, case="a trust KPI"),
    Row("PATCH", "/api/v1/measures/{measure_id}", ALLOCATORS, kpi=True, case="a trust KPI",
        body=lambda w, ids: {"target": 96, "version": _version(m.Measure, ids["measure_id"])}),
    Row("POST", "/api/v1/measures/{measure_id}/points", (201, 201, 201, 403, 403),
        (201, 201, 404, 403, 403), kpi=True, case="a trust KPI's value for a school",
        body=_kpi_value),
    Row("DELETE", "/api/v1/measures/{measure_id}/points/{point_id}", (204, 204, 204, 403, 403),
        (204, 204, 404, 403, 403), kpi=True, fresh=True, case="a trust KPI's value"),
    Row("POST", "/api/v1/measures/{measure_id}/points/import", (200, 200, 200, 403, 403),
        (200, 200, 404, 403, 403), kpi=True, case="a trust KPI's values for a school",
        query=lambda w, ids: f"?school_id={ids['school_id']}",
        body=lambda w, ids: ("text/csv", "date,value\n2026-01-05,94\n")),
    Row("GET", "/api/v1/measures/{measure_id}/spc", READ_MINE, READ_OTHER, kpi=True,
        case="a trust KPI in one school", query=lambda w, ids: f"?school_id={ids['school_id']}"),
    Row("GET", "/api/v1/measures/{measure_id}/run-chart", READ_MINE, READ_OTHER, kpi=True,
        case="a trust KPI in one school", query=lambda w, ids: f"?school_id={ids['school_id']}"),
    Row("POST", "/api/v1/measures/{measure_id}/rebases", CREATE_MINE, CREATE_OTHER, fresh=True,
        body=lambda w, ids: {"starts_on": _soon(-3)}),
    Row("DELETE", "/api/v1/measures/{measure_id}/rebases/{rebase_id}", (204, 403, 204, 204, 403),
        (204, 403, 404, 404, 404), fresh=True),
    # policy and reviews: admins set the policy; school leads decide reviews
    Row("GET", "/api/v1/policy", every(200)),
    Row("PUT", "/api/v1/policy", ADMIN_ONLY, body=lambda w, ids: {
        "mode": "cap", "max_active_initiatives": 4, "out_grace_days": 14,
        "review_interval_days": 90, "version": _version(m.TrustPolicy, 1)}),
    Row("GET", "/api/v1/policy/breaches", every(200)),
    Row("GET", "/api/v1/initiatives/{initiative_id}/reviews", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/initiatives/{initiative_id}/reviews", (201, 403, 201, 403, 403),
        CREATE_OTHER, fresh=True, body=lambda w, ids: {"due_on": _soon(60)}),
    Row("GET", "/api/v1/reviews/{review_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/reviews/{review_id}", (200, 403, 200, 403, 403), WRITE_OTHER,
        body=lambda w, ids: {"workload": "Two hours a week.",
                             "version": _version(m.DeimplementationReview, ids["review_id"])}),
    Row("GET", "/api/v1/dashboard", every(200)),
    # coverage: everyone counts what they see; another school's counts are not found
    Row("GET", "/api/v1/coverage", every(200)),
    Row("GET", "/api/v1/coverage", READ_MINE, READ_OTHER, case="one school's",
        query=lambda w, ids: f"?school_id={ids['school_id']}"),
    # exports: everyone downloads what their lists show them (scope: tests/test_exports.py)
    Row("GET", "/api/v1/exports/initiatives.csv", every(200)),
    Row("GET", "/api/v1/exports/initiatives.xlsx", every(200)),
    Row("GET", "/api/v1/exports/schools.csv", every(200)),
    Row("GET", "/api/v1/exports/schools.xlsx", every(200)),
    # the board pack: every reader gets one, holding only the schools they can see
    Row("GET", "/api/v1/board-pack.pdf", every(200)),
    # capacity: the central team manages experts and allocations
    Row("GET", "/api/v1/experts", every(200)),
    Row("POST", "/api/v1/experts", (201, 201, 403, 403, 403), body=lambda w, ids: {
        "name": "New Expert", "email": w.unique("expert") + "@example.org", "days_per_week": 1}),
    Row("GET", "/api/v1/experts/available", every(200), body=None,
        query=lambda w, ids: f"?from={_soon(7)}&to={_soon(35)}&days_per_week=0.5"),
    Row("GET", "/api/v1/experts/{expert_id}", READ_MINE, READ_MINE),
    Row("PATCH", "/api/v1/experts/{expert_id}", (200, 200, 403, 403, 403), (200, 200, 403, 403, 403),
        body=lambda w, ids: {"name": "Renamed", "version": _version(m.Expert, ids["expert_id"])}),
    # (when an expert is away is for those who plan their time)
    Row("GET", "/api/v1/experts/{expert_id}/unavailability", (200, 200, 403, 403, 403),
        (200, 200, 403, 403, 403)),
    Row("POST", "/api/v1/experts/{expert_id}/unavailability", (201, 201, 403, 403, 403),
        (201, 201, 403, 403, 403), body=lambda w, ids: {"starts_on": _soon(100), "ends_on": _soon(101)}),
    Row("DELETE", "/api/v1/experts/{expert_id}/unavailability/{unavailability_id}",
        (204, 204, 403, 403, 403), (204, 204, 403, 403, 403), fresh=True),
    Row("GET", "/api/v1/allocations", every(200)),
    Row("POST", "/api/v1/allocations", (201, 201, 403, 403, 403), (201, 201, 403, 403, 403),
        body=lambda w, ids: {"expert_id": ids["expert_id"], "school_id": ids["school_id"],
                             "starts_on": _soon(200), "ends_on": _soon(204), "days_per_week": 0.5}),
    # (the central team owns capacity: they may override an expert's days, with a reason)
    Row("POST", "/api/v1/allocations", (409, 409, 403, 403, 403), (409, 409, 403, 403, 403),
        case="over the expert's days", body=lambda w, ids: {
            "expert_id": ids["expert_id"], "school_id": ids["school_id"],
            "starts_on": _soon(1), "ends_on": _soon(5), "days_per_week": 2}),
    Row("POST", "/api/v1/allocations", (201, 201, 403, 403, 403), (201, 201, 403, 403, 403),
        case="override", body=lambda w, ids: {
            "expert_id": ids["expert_id"], "school_id": ids["school_id"],
            "starts_on": _soon(1), "ends_on": _soon(5), "days_per_week": 2,
            "override_reason": "An extra day agreed with the school"}),
    Row("GET", "/api/v1/allocations/{allocation_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/allocations/{allocation_id}", (200, 200, 403, 403, 403),
        (200, 200, 404, 404, 404), body=lambda w, ids: {
            "notes": "Confirmed by phone.", "version": _version(m.Allocation, ids["allocation_id"])}),
    # self-evaluation: the trust's own rounds are written by admins and the central team and
    # read by everyone; a school's by its school lead or an admin, read by who sees the school
    # (another school's id in the body is an unknown school to those who cannot see it: 422)
    Row("GET", "/api/v1/self-evaluations", every(200)),
    Row("GET", "/api/v1/self-evaluations", every(200), READ_OTHER, case="one school's",
        query=lambda w, ids: f"?school_id={ids['school_id']}"),
    Row("POST", "/api/v1/self-evaluations", (201, 201, 403, 403, 403), body=lambda w, ids: _round()),
    Row("POST", "/api/v1/self-evaluations", (201, 403, 201, 403, 403), (201, 403, 422, 422, 422),
        case="one school's", body=lambda w, ids: _round(ids["school_id"])),
    Row("GET", "/api/v1/self-evaluations/{self_evaluation_id}", READ_MINE, READ_OTHER),
    # insights: read like the school; written by admins, the central team and its school leads
    Row("GET", "/api/v1/schools/{school_id}/insights", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/schools/{school_id}/insights", INSIGHT_WRITE_MINE_API[201],
        INSIGHT_WRITE_OTHER_API[201], body=lambda w, ids: _insight()),
    Row("GET", "/api/v1/insights/{insight_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/insights/{insight_id}", INSIGHT_WRITE_MINE_API[200],
        INSIGHT_WRITE_OTHER_API[200], body=lambda w, ids: {
            "title": "Renamed", "version": _version(m.Insight, ids["insight_id"])}),
    Row("DELETE", "/api/v1/insights/{insight_id}", INSIGHT_WRITE_MINE_API[204],
        INSIGHT_WRITE_OTHER_API[204], fresh=True),
    # goals: the trust's (admins and the central team) and a school's (its school lead or an
    # admin); everyone reads the trust's, a school's is read like the school
    Row("GET", "/api/v1/goals", every(200)),
    Row("POST", "/api/v1/goals", (201, 201, 403, 403, 403), body=lambda w, ids: {"title": "Reading"}),
    Row("POST", "/api/v1/goals", GOAL_WRITE_MINE_API[201], (201, 403, 422, 422, 422),
        case="one school's", body=lambda w, ids: {"title": "Reading", "school_id": ids["school_id"]}),
    Row("GET", "/api/v1/goals/{goal_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/goals/{goal_id}", GOAL_WRITE_MINE_API[200], GOAL_WRITE_OTHER_API[200],
        body=lambda w, ids: {"title": "Renamed", "version": _version(m.Goal, ids["goal_id"])}),
    Row("DELETE", "/api/v1/goals/{goal_id}", GOAL_WRITE_MINE_API[204], GOAL_WRITE_OTHER_API[204],
        fresh=True),
    Row("GET", "/api/v1/goals/{goal_id}/drivers", READ_MINE, READ_OTHER),
    Row("POST", "/api/v1/goals/{goal_id}/drivers", GOAL_WRITE_MINE_API[201],
        GOAL_WRITE_OTHER_API[201], body=lambda w, ids: {"title": "Phonics"}),
    Row("GET", "/api/v1/goals/{goal_id}/drivers/{driver_id}", READ_MINE, READ_OTHER),
    Row("PATCH", "/api/v1/goals/{goal_id}/drivers/{driver_id}", GOAL_WRITE_MINE_API[200],
        GOAL_WRITE_OTHER_API[200], body=lambda w, ids: {
            "title": "Renamed", "version": _version(m.Driver, ids["driver_id"])}),
    Row("DELETE", "/api/v1/goals/{goal_id}/drivers/{driver_id}", GOAL_WRITE_MINE_API[204],
        GOAL_WRITE_OTHER_API[204], fresh=True),
    Row("GET", "/api/v1/goals/{goal_id}/diagram", READ_MINE, READ_OTHER),
]

#: Pages: GET shows the page, POST with an empty form re-shows it with errors (200) when
#: allowed; refusals come before the form is read. Signed out → /login?next=<path>.
PAGES = [
    Row("GET", "/", every(200)),
    Row("GET", "/initiatives", every(200)),
    Row("GET", "/initiatives/new", (200, 403, 200, 200, 403)),
    Row("POST", "/initiatives/new", (200, 403, 200, 200, 403)),
    Row("GET", "/initiatives/{initiative_id}", READ_MINE, READ_OTHER),
    Row("GET", "/initiatives/{initiative_id}/edit", WRITE_MINE, WRITE_OTHER),
    Row("POST", "/initiatives/{initiative_id}/edit", WRITE_MINE, WRITE_OTHER),
    Row("GET", "/admin/schools", ADMIN_ONLY),
    Row("GET", "/admin/schools/new", ADMIN_ONLY),
    Row("POST", "/admin/schools/new", ADMIN_ONLY),
    Row("GET", "/admin/schools/{school_id}/edit", ADMIN_ONLY, ADMIN_ONLY),
    Row("POST", "/admin/schools/{school_id}/edit", ADMIN_ONLY, ADMIN_ONLY),
    Row("GET", "/admin/people", ADMIN_ONLY),
    Row("GET", "/admin/people/new", ADMIN_ONLY),
    Row("POST", "/admin/people/new", ADMIN_ONLY),
    Row("GET", "/admin/people/{user_id}/edit", ADMIN_ONLY, ADMIN_ONLY),
    Row("POST", "/admin/people/{user_id}/edit", ADMIN_ONLY, ADMIN_ONLY),
    Row("GET", "/admin/audit", ADMIN_ONLY),
    Row("GET", "/admin/audit.csv", ADMIN_ONLY),
    Row("POST", "/admin/people/{user_id}/anonymise", ADMIN_OK, ADMIN_OK, fresh=True),
    Row("POST", "/admin/people/{user_id}/deactivate", ADMIN_OK, ADMIN_OK, fresh=True),
    Row("POST", "/admin/people/{user_id}/reset-link", ADMIN_OK, ADMIN_OK),
    # single sign-on: approving or refusing a person waiting for a role (an admin's; for
    # someone not waiting the page says so and changes nothing)
    Row("POST", "/admin/people/{user_id}/approve", ADMIN_OK, ADMIN_OK),
    Row("POST", "/admin/people/{user_id}/refuse", ADMIN_OK, ADMIN_OK),
    Row("GET", "/admin/outbox", ADMIN_ONLY),
    Row("POST", "/admin/outbox/{message_id}/retry", (404, 403, 403, 403, 403)),
    Row("GET", "/admin/outbox/{message_id}", (404, 403, 403, 403, 403)),
    # one's own account
    Row("GET", "/account", every(200)),
    Row("POST", "/account/password", every(OK)),
    Row("GET", "/account/export", every(200)),
    Row("GET", "/account/notifications", every(200)),
    Row("POST", "/account/notifications", every(OK)),
    Row("POST", "/account/tokens/{token_id}/revoke", every(OK), (OK, 404, 404, 404, 404)),
    # lifecycle, on the initiative's page
    Row("POST", "/initiatives/{initiative_id}/move", MOVE_MINE, MOVE_OTHER, fresh=True),
    Row("POST", "/initiatives/{initiative_id}/request-move", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/initiatives/{initiative_id}/updates", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/initiatives/{initiative_id}/milestones", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/milestones/{milestone_id}/done", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/initiatives/{initiative_id}/pdsa-cycles", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/pdsa-cycles/{cycle_id}/advance", WRITE_OK_MINE, WRITE_OK_OTHER),
    # editing them on pages of their own: whoever writes the initiative
    Row("GET", "/milestones/{milestone_id}/edit", WRITE_MINE, WRITE_OTHER),
    Row("POST", "/milestones/{milestone_id}/edit", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("GET", "/milestones/{milestone_id}/delete", WRITE_MINE, WRITE_OTHER),
    Row("POST", "/milestones/{milestone_id}/delete", WRITE_OK_MINE, WRITE_OK_OTHER, fresh=True),
    Row("GET", "/pdsa-cycles/{cycle_id}/notes", WRITE_MINE, WRITE_OTHER),
    Row("POST", "/pdsa-cycles/{cycle_id}/notes", WRITE_OK_MINE, WRITE_OK_OTHER),
    # my week: everyone has one; its steps are the initiative page's, with the same rules
    Row("GET", "/my-week", every(200)),
    Row("POST", "/my-week/milestones/{milestone_id}/done", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/my-week/milestones/{milestone_id}/undo", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/my-week/pdsa-cycles/{cycle_id}/advance", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/my-week/measures/{measure_id}/points", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/my-week/initiatives/{initiative_id}/updates", WRITE_OK_MINE, WRITE_OK_OTHER),
    # measures
    Row("GET", "/measures/{measure_id}", READ_MINE, READ_OTHER),
    Row("GET", "/initiatives/{initiative_id}/measures/new", WRITE_MINE, WRITE_OTHER),
    Row("POST", "/initiatives/{initiative_id}/measures/new", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("GET", "/measures/{measure_id}/edit", WRITE_MINE, WRITE_OTHER),
    Row("POST", "/measures/{measure_id}/edit", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/measures/{measure_id}/delete", WRITE_OK_MINE, WRITE_OK_OTHER, fresh=True),
    Row("POST", "/measures/{measure_id}/points", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/measures/{measure_id}/import", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/measures/{measure_id}/baseline", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/measures/{measure_id}/rebases", WRITE_OK_MINE, WRITE_OK_OTHER),
    Row("POST", "/measures/{measure_id}/rebases/{rebase_id}/delete", WRITE_OK_MINE,
        WRITE_OK_OTHER, fresh=True),
    # trust KPIs
    Row("GET", "/kpis", READ_MINE),
    Row("GET", "/kpis/new", ALLOCATORS),
    Row("POST", "/kpis/new", (OK, OK, 403, 403, 403)),
    Row("GET", "/kpis/{kpi_id}", READ_MINE, kpi=True),
    Row("GET", "/kpis/{kpi_id}/edit", ALLOCATORS, kpi=True),
    Row("POST", "/kpis/{kpi_id}/edit", (OK, OK, 403, 403, 403), kpi=True),
    Row("POST", "/kpis/{kpi_id}/points", (OK, OK, OK, 403, 403), kpi=True),
    Row("POST", "/kpis/{kpi_id}/import", (OK, OK, OK, 403, 403), kpi=True),
    Row("GET", "/measures/{measure_id}", READ_MINE, kpi=True, case="a trust KPI's chart"),
    Row("POST", "/measures/{measure_id}/baseline", (OK, OK, 403, 403, 403), kpi=True,
        case="a trust KPI"),
    Row("POST", "/measures/{measure_id}/points/{point_id}/delete", (OK, OK, OK, 403, 403),
        (OK, OK, 404, 403, 403), kpi=True, fresh=True, case="a trust KPI's value"),
    Row("POST", "/measures/{measure_id}/points/{point_id}/delete", WRITE_OK_MINE,
        WRITE_OK_OTHER, fresh=True),
    # policy and reviews
    Row("GET", "/policy", every(200)),
    Row("POST", "/policy", (OK, 403, 403, 403, 403)),
    Row("GET", "/policy/schools/{school_id}", READ_MINE, READ_OTHER),
    Row("GET", "/initiatives/{initiative_id}/reviews", READ_MINE, READ_OTHER),
    Row("POST", "/initiatives/{initiative_id}/reviews", MOVE_MINE, MOVE_OTHER),
    Row("GET", "/reviews/{review_id}", READ_MINE, READ_OTHER),
    Row("POST", "/reviews/{review_id}", MOVE_MINE, MOVE_OTHER),
    Row("GET", "/dashboard", every(200)),
    Row("GET", "/coverage", every(200)),
    Row("GET", "/dashboard/export.csv", every(200)),
    Row("GET", "/dashboard/export.xlsx", every(200)),
    Row("GET", "/initiatives/export.csv", every(200)),
    Row("GET", "/initiatives/export.xlsx", every(200)),
    Row("GET", "/stopped", every(200)),
    # the board pack: every reader gets one, holding only the schools they can see
    Row("GET", "/board-pack.pdf", every(200)),
    # self-evaluation: the trust's (rated by admins and the central team) and each school's
    # (rated by its school lead or an admin), read like the school
    Row("GET", "/self-evaluation", every(200)),
    Row("GET", "/self-evaluation/new", (200, 200, 403, 403, 403)),
    Row("POST", "/self-evaluation/new", (OK, OK, 403, 403, 403)),
    # the school page: one school's picture, read like the school
    Row("GET", "/schools/{school_id}", READ_MINE, READ_OTHER),
    # "My school": the person's own school's page; nobody's for those with no school
    Row("GET", "/my-school", (404, 404, 302, 302, 302)),
    Row("GET", "/schools/{school_id}/self-evaluation", READ_MINE, READ_OTHER),
    # a school's insights
    Row("GET", "/schools/{school_id}/insights", READ_MINE, READ_OTHER),
    Row("GET", "/schools/{school_id}/insights/new", INSIGHT_PAGE_MINE, INSIGHT_PAGE_OTHER),
    Row("POST", "/schools/{school_id}/insights/new", INSIGHT_POST_MINE, INSIGHT_POST_OTHER),
    Row("GET", "/insights/{insight_id}/edit", INSIGHT_PAGE_MINE, INSIGHT_PAGE_OTHER),
    Row("POST", "/insights/{insight_id}/edit", INSIGHT_POST_MINE, INSIGHT_POST_OTHER),
    Row("GET", "/insights/{insight_id}/delete", INSIGHT_PAGE_MINE, INSIGHT_PAGE_OTHER),
    Row("POST", "/insights/{insight_id}/delete", INSIGHT_POST_MINE, INSIGHT_POST_OTHER,
        fresh=True),
    # goals and driver diagrams
    Row("GET", "/goals", every(200)),
    Row("GET", "/goals/new", (200, 200, 200, 403, 403)),
    Row("POST", "/goals/new", (OK, OK, OK, 403, 403)),
    Row("GET", "/goals/{goal_id}", READ_MINE, READ_OTHER),
    Row("GET", "/goals/{goal_id}/edit", GOAL_PAGE_MINE, (200, 403, 404, 404, 404)),
    Row("POST", "/goals/{goal_id}/edit", GOAL_POST_MINE, GOAL_POST_OTHER),
    Row("POST", "/goals/{goal_id}/delete", GOAL_POST_MINE, GOAL_POST_OTHER, fresh=True),
    Row("POST", "/goals/{goal_id}/drivers", GOAL_POST_MINE, GOAL_POST_OTHER),
    Row("POST", "/goals/{goal_id}/drivers/{driver_id}", GOAL_POST_MINE, GOAL_POST_OTHER),
    Row("POST", "/goals/{goal_id}/drivers/{driver_id}/delete", GOAL_POST_MINE, GOAL_POST_OTHER,
        fresh=True),
    Row("GET", "/schools/{school_id}/self-evaluation/new", (200, 403, 200, 403, 403),
        (200, 403, 404, 404, 404)),
    Row("POST", "/schools/{school_id}/self-evaluation/new", (OK, 403, OK, 403, 403),
        (OK, 403, 404, 404, 404)),
    # capacity
    Row("GET", "/planner", ALLOCATORS),
    Row("GET", "/planner/free", ALLOCATORS),
    Row("GET", "/planner/uncovered", ALLOCATORS),
    Row("GET", "/allocations", every(200)),
    Row("GET", "/allocations/new", ALLOCATORS),
    Row("POST", "/allocations/new", (OK, OK, 403, 403, 403)),
    # (the planner's pages are the allocators' alone, like the admin pages: 403 for any id)
    Row("GET", "/allocations/{allocation_id}/edit", ALLOCATORS, ALLOCATORS),
    Row("POST", "/allocations/{allocation_id}/edit", (OK, OK, 403, 403, 403), (OK, OK, 403, 403, 403)),
    Row("GET", "/support-received", every(200)),
    # experts and their leave: the central team's, like the planner (403 for any id)
    Row("GET", "/experts", ALLOCATORS),
    Row("GET", "/experts/new", ALLOCATORS),
    Row("POST", "/experts/new", (OK, OK, 403, 403, 403)),
    Row("GET", "/experts/{expert_id}/edit", ALLOCATORS, ALLOCATORS),
    Row("POST", "/experts/{expert_id}/edit", (OK, OK, 403, 403, 403), (OK, OK, 403, 403, 403)),
    Row("GET", "/experts/{expert_id}/leave", ALLOCATORS, ALLOCATORS),
    Row("POST", "/experts/{expert_id}/leave", (OK, OK, 403, 403, 403), (OK, OK, 403, 403, 403)),
    Row("POST", "/experts/{expert_id}/leave/{unavailability_id}/delete", (OK, OK, 403, 403, 403),
        (OK, OK, 403, 403, 403), fresh=True),
    # signing in and out: a signed-in person is sent on from the login page
    # (a reset page with no live link in the session says the link has gone: 410)
    Row("GET", "/reset", every(410), public=True),
    Row("POST", "/reset", every(410), public=True),
    Row("GET", "/reset/{token}", every(302), public=True),
    Row("GET", "/login", every(302), public=True),
    Row("POST", "/login", every(302), public=True),
    Row("POST", "/logout", every(302)),
    # single sign-on: anyone may start one; a provider that is not configured is not found
    Row("GET", "/sso/{provider}/start", every(404), public=True),
    Row("GET", "/sso/{provider}/callback", every(404), public=True),
    # the health check (load balancers, the benchmark's floor): anyone, signed in or not
    Row("GET", "/healthz", every(200), public=True),
]


# --- the world ------------------------------------------------------------------------

@dataclass
class World:
    """Two schools, the five acting people, and a record of every kind in each school.

    Built in one transaction (the matrix builds a world per row, so this is the hot path).
    """

    people: dict = field(default_factory=dict)
    schools: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)
    email: str = ""
    counter: int = 0

    def build(self):
        add = db.session.add_all
        self.schools = {"mine": m.School(name="My School", urn="900001", phase="primary"),
                        "other": m.School(name="Another School", urn="900002", phase="primary")}
        mine = [self.schools["mine"]]
        self.people = {role: self._person(role, mine if role in ("school_lead", "project_lead",
                                                                 "viewer") else [])
                       for role in ROLES}
        self.stranger = self._person("project_lead", [self.schools["other"]], "stranger")
        add([*self.schools.values(), *self.people.values(), self.stranger])
        if db.session.get(m.TrustPolicy, 1) is None:
            add([m.TrustPolicy(id=1, mode="cap", max_active_initiatives=5, out_grace_days=14,
                               review_interval_days=90)])
        db.session.flush()
        self.records = {target: self.bundle(target, commit=False) for target in TARGETS}
        self.tokens = {role: self.token(user, commit=False)[0] for role, user in self.people.items()}
        self.kpi = m.Measure(initiative_id=None, name="Attendance", unit="%", target=95.0)
        add([self.kpi])
        db.session.flush()
        self.kpi_points = {target: self.kpi_point(target, commit=False) for target in TARGETS}
        db.session.commit()
        return self

    def kpi_point(self, target, commit=True):
        """A value of the world's trust KPI for ``target``'s school, on a day of its own."""
        point = m.MeasurePoint(measure_id=self.kpi.id, school_id=self.schools[target].id,
                               on=date.today() - timedelta(days=400 + self.counter), value=94.0)
        self.counter += 1
        db.session.add(point)
        db.session.flush()
        if commit:
            db.session.commit()
        return point.id

    def _person(self, role, schools, name=None):
        return m.User(email=f"{name or role}@matrix.example", name=f"{(name or role).title()} Person",
                      role=role, password_hash=_PASSWORD_HASH, schools=list(schools))

    def bundle(self, target, commit=True):
        """An initiative in ``target``'s school with one of everything under it."""
        school = self.schools[target]
        owner = self.people["project_lead"] if target == "mine" else self.stranger
        today = date.today()
        initiative = m.Initiative(title=f"{target} initiative", owner=owner, schools=[school],
                                  phase="explore", status="active", problem="Reading ages lag.",
                                  evidence="EEF guidance.")
        expert = m.Expert(name="Expert", email=f"{self.unique('expert')}@matrix.example",
                          specialisms=["maths"], days_per_week=2.0, home_school_id=school.id)
        colleague = self._person("project_lead", [school], self.unique(f"colleague-{target}-"))
        db.session.add_all([initiative, expert, colleague])
        db.session.flush()
        measure = m.Measure(initiative_id=initiative.id, name="Attendance", unit="%",
                            higher_is_better=True, kind="outcome")
        db.session.add(measure)
        db.session.flush()
        records = {
            "milestone_id": m.Milestone(initiative_id=initiative.id, title="A milestone",
                                        due_on=today + timedelta(days=14), owner_id=owner.id),
            "cycle_id": m.PdsaCycle(initiative_id=initiative.id, title="Cycle", owner_id=owner.id),
            "review_id": m.DeimplementationReview(initiative_id=initiative.id, due_on=today),
            "update_id": m.Update(initiative_id=initiative.id, author_id=owner.id, rag="green",
                                  narrative="Going well."),
            "point_id": m.MeasurePoint(measure_id=measure.id, on=today, value=1.0),
            "allocation_id": m.Allocation(expert_id=expert.id, school_id=school.id,
                                          initiative_id=initiative.id, starts_on=today,
                                          ends_on=today + timedelta(days=27), days_per_week=0.5),
            "unavailability_id": m.Unavailability(expert_id=expert.id, starts_on=today,
                                                  ends_on=today),
            "rebase_id": m.MeasureRebase(measure_id=measure.id, starts_on=today),
            "self_evaluation_id": m.SelfEvaluation(
                school_id=school.id, on=today, author_id=owner.id,
                ratings=[m.SelfEvaluationRating(pillar=p, rating=2) for p in PILLARS]),
            "insight_id": m.Insight(school_id=school.id, source="qa_visit", on=today,
                                    title="Phonics pace", judgement="concern",
                                    author_id=owner.id),
        }
        db.session.add_all(records.values())
        db.session.flush()
        ids = {name: record.id for name, record in records.items()}
        goal = m.Goal(school_id=school.id, title=f"{target} goal", author_id=owner.id)
        db.session.add(goal)
        db.session.flush()
        driver = m.Driver(goal_id=goal.id, title="Phonics")
        db.session.add(driver)
        db.session.flush()
        ids.update(goal_id=goal.id, driver_id=driver.id)
        ids.update(school_id=school.id, user_id=colleague.id, initiative_id=initiative.id,
                   measure_id=measure.id, expert_id=expert.id)
        if commit:
            db.session.commit()
        return ids

    def ids(self, row, target, role):
        ids = dict(self.bundle(target) if row.fresh and role and not row.kpi
                   else self.records[target])
        if row.kpi:
            ids["measure_id"] = ids["kpi_id"] = self.kpi.id
            ids["point_id"] = self.kpi_point(target) if row.fresh and role else self.kpi_points[target]
        ids.setdefault("message_id", 1)
        ids.setdefault("token", "no-such-reset-link")
        ids.setdefault("provider", "no-such-provider")
        if "{token_id}" in row.path:
            ids["token_id"] = 1
        if "{token_id}" in row.path and role:
            owner = self.people[role] if target == "mine" else self.stranger
            ids["token_id"] = self.token(owner)[1].id
        return ids

    def token(self, user, commit=True):
        raw, token = issue_token(db.session, user, 1, "matrix")
        if commit:
            db.session.commit()
        return raw, token

    def unique(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter:04}"


@pytest.fixture
def world(app):
    return World().build()


def _fill(path, ids):
    def value(match):
        name = match.group(1)
        assert name in ids, f"the matrix world has no record for path parameter {{{name}}}"
        return str(ids[name])
    return re.sub(r"\{(\w+)\}", value, path)


def _api_call(app, world, row, target, role):
    ids = world.ids(row, target, role)
    headers = {}
    if role:
        world.email = world.people[role].email
        # The standing token, unless this request may revoke the one it carries.
        raw = world.token(world.people[role])[0] if "/tokens" in row.path else world.tokens[role]
        headers["Authorization"] = f"Bearer {raw}"
    body = row.body(world, ids) if row.body else None
    path = _fill(row.path, ids) + (row.query(world, ids) if row.query else "")
    if isinstance(body, tuple):  # (content type, raw body), e.g. a CSV upload
        return app.test_client().open(path, method=row.method, headers=headers,
                                      content_type=body[0], data=body[1])
    return app.test_client().open(path, method=row.method, headers=headers, json=body)


def _rows(rows):
    return [pytest.param(row, id=f"{row.method} {row.path}" + (f" ({row.case})" if row.case else ""))
            for row in rows]


def _route_keys(app):
    """(method, path with {params}, module of the view) for every route the app serves."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_ROUTES:
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        module = app.view_functions[rule.endpoint].__module__
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, path, module


def _skip_unless_served(app, row):
    if row.key not in {(method, path) for method, path, _ in _route_keys(app)}:
        pytest.skip(f"{row.method} {row.path} is not served (its module has not landed)")


def _walk(row, call):
    """Every (target, role) answer of a row beside what the matrix expects of it."""
    answers, expected = {}, {}
    for target in TARGETS:
        statuses = getattr(row, target)
        if statuses is None:
            continue
        for role, status in zip(ROLES + (None,), statuses + (None,)):
            if role is None and row.public:
                continue
            answers[target, role or "signed out"] = call(target, role)
            expected[target, role or "signed out"] = status
    return answers, expected


# --- the API --------------------------------------------------------------------------

@pytest.mark.parametrize("row", _rows(API))
def test_api_answers_each_role_as_the_matrix_says(app, world, row):
    _skip_unless_served(app, row)

    def call(target, role):
        response = _api_call(app, world, row, target, role)
        if response.status_code in (401, 403, 404):
            code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}[response.status_code]
            assert response.get_json()["error"]["code"] == code, (target, role)
        return response.status_code

    answers, expected = _walk(row, call)
    expected = {key: 401 if status is None else status for key, status in expected.items()}
    assert answers == expected


# --- the pages ------------------------------------------------------------------------

def _signed_in(app, user):
    """A page client with ``user``'s session, made as sign-in makes it (without the
    deliberately slow password check, five times per row)."""
    client = app.test_client()
    with app.test_request_context(environ_base=client.environ_base):
        start_session(user)
        values = dict(session)
        g.pop("_login_user", None)
    with client.session_transaction() as stored:
        stored.update(values)
    return client


@pytest.fixture
def page_clients(app, world):
    return {role: _signed_in(app, world.people[role]) for role in ROLES}


def test_the_matrix_page_clients_are_signed_in_as_their_role(world, page_clients):
    for role, client in page_clients.items():
        response = client.get("/")
        assert response.status_code == 200, role
        assert world.people[role].name.split()[0] in response.get_data(as_text=True), role


@pytest.mark.parametrize("row", _rows(PAGES))
def test_pages_answer_each_role_as_the_matrix_says(app, world, page_clients, row):
    """Signed out, every page but signing in sends you to /login, keeping where you were going."""
    _skip_unless_served(app, row)
    redirects = {}

    def call(target, role):
        ids = world.ids(row, target, role)
        path = _fill(row.path, ids)
        data = {"email": world.people[role].email, "password": PASSWORD} \
            if role and row.path == "/login" else {}
        client = page_clients[role] if role else app.test_client()
        response = client.open(path, method=row.method, data=data)
        if role is None:
            redirects[target] = (response.headers.get("Location"),
                                 f"/login?next={quote(path, safe='')}")
        expected = getattr(row, target)[ROLES.index(role)] if role else None
        if expected == OK and response.status_code in (200, 302, 303, 422):
            return OK
        return response.status_code

    answers, expected = _walk(row, call)
    expected = {key: 302 if status is None else status for key, status in expected.items()}
    assert answers == expected
    for target, (location, wanted) in redirects.items():
        assert location == wanted, target


def test_another_schools_initiative_page_is_the_404_page_not_a_hint(world, page_clients):
    other = world.records["other"]["initiative_id"]
    response = page_clients["school_lead"].get(f"/initiatives/{other}")
    assert response.status_code == 404
    assert "other initiative" not in response.get_data(as_text=True)


# --- every route has a row ------------------------------------------------------------

def test_every_route_has_a_row(app):
    rows = {row.key for row in API + PAGES}
    missing = sorted(f"{method} {path}  ({module})"
                     for method, path, module in _route_keys(app)
                     if module in STRICT_MODULES and (method, path) not in rows)
    assert not missing, (
        "These routes have no row in tests/test_permissions_matrix.py. Whoever added the "
        "route: add a Row to API or PAGES saying what each role gets:\n  " + "\n  ".join(missing))
