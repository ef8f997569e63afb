"""The web pages people use every week. Every page needs a signed-in person."""
from flask import Blueprint, request, url_for
from flask_login import current_user, login_required

from tracker.audit import acting_as
from tracker.blueprints.pages.common import row_url
from tracker.extensions import db
from tracker.models.initiative import PHASE_LABELS
from tracker.permissions import can_see_school, may_start_initiatives
from tracker.wording import plural

bp = Blueprint("pages", __name__)
# Every template (and every macro imported without context) reads phases in these words.
bp.add_app_template_global(PHASE_LABELS, "phase_labels")
# Templates ask who may do what here, as the views do, never a list of roles.
bp.add_app_template_global(may_start_initiatives, "may_start_initiatives")
bp.add_app_template_global(can_see_school, "can_see_school")
# Links in long tables: the URL built once, each row's id put in (common.row_url).
bp.add_app_template_global(row_url, "row_url")
# "1 day", "2 days": every template counts with ``{{ n|plural("day") }}``.
bp.add_app_template_filter(plural, "plural")

#: The trust's view: one menu entry, and a row of tabs across its pages (so the menu fits
#: one row on a desktop). (label, endpoint, the endpoints that show it as the current tab).
TRUST_VIEW = [
    ("Schools compared", "pages.dashboard_page", ("pages.dashboard_page",)),
    ("Trust KPIs", "pages.kpi_list", ("pages.kpi_list", "pages.kpi_detail", "pages.kpi_new",
                                      "pages.kpi_edit")),
    ("Coverage", "pages.coverage_page", ("pages.coverage_page",)),
    ("Self-evaluation", "pages.self_evaluation_page", ("pages.self_evaluation_page",
                                                       "pages.record_self_evaluation")),
    ("Goals", "pages.goal_list", ("pages.goal_list", "pages.goal_new", "pages.goal_edit",
                                  "pages.goal_detail")),
]

#: (label, endpoint, roles that see it or None for everyone, the endpoints it is current on),
#: in menu order.
NAV = [
    ("My work", "pages.home", None, ()),
    # A project lead's home is already her week.
    ("My week", "pages.my_week", ("admin", "central_team", "school_lead", "viewer"), ()),
    ("Initiatives", "pages.initiative_list", None, ()),
    ("Trust view", "pages.dashboard_page", None,
     tuple(endpoint for _, _, current in TRUST_VIEW for endpoint in current)),
    ("One in, one out", "pages.policy_overview", None, ()),
    ("Stopped", "pages.stopped", None, ()),
    ("Planner", "pages.planner", ("admin", "central_team"), ()),
    # A school lead's own school, its whole picture (the admin's menu stays one row).
    ("My school", "pages.my_school", ("school_lead",), ("pages.school_page",)),
    ("Support received", "pages.support_received", ("school_lead",), ()),
    ("Schools", "admin.school_list", ("admin",), ()),
    ("People", "admin.user_list", ("admin",), ()),
    ("Audit log", "admin.audit_log", ("admin",), ()),
    ("Outbox", "admin.outbox_list", ("admin",), ()),
]


@bp.before_app_request
def attribute_changes_to_signed_in_person():
    if current_user.is_authenticated and not request.path.startswith("/api/"):
        acting_as(db.session, current_user._get_current_object(), ip=request.remote_addr)


@bp.before_request
@login_required
def require_sign_in():
    return None


@bp.app_context_processor
def navigation():
    def nav_items():
        if not current_user.is_authenticated:
            return []
        return [{"label": label, "url": url_for(endpoint),
                 "active": request.endpoint == endpoint or request.endpoint in current}
                for label, endpoint, roles, current in NAV
                if roles is None or current_user.role in roles]

    def trust_view_items():
        return [{"label": label, "url": url_for(endpoint), "active": request.endpoint in current}
                for label, endpoint, current in TRUST_VIEW]
    return {"nav_items": nav_items, "trust_view_items": trust_view_items}


from tracker.blueprints.pages import account, home, initiatives, lifecycle  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import milestones, pdsa, updates  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import notifications  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import policy, reviews  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import capacity, experts  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import measures  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import dashboard  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import my_week  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import kpis, coverage  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import self_evaluation, exports  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import insights, goals, school_page  # noqa: E402,F401  (routes)
from tracker.blueprints.pages import board_pack  # noqa: E402,F401  (routes)
