"""Schools: set up and changed by admins, read within each person's scope."""
from sqlalchemy import select

from tracker import initiatives, permissions
from tracker.errors import Invalid, NotFound, check_version
from tracker.models import School

EDITABLE = ("name", "urn", "phase", "support_status", "max_active_initiatives")
#: The highest own limit of active initiatives a school may set (None: the trust's policy).
MAX_OWN_LIMIT = 1000


def visible_schools(user):
    stmt = select(School).order_by(School.name)
    ids = permissions.visible_school_ids(user)
    return stmt if ids is None else stmt.where(School.id.in_(ids or [-1]))


def get_school(session, user, school_id):
    school = session.get(School, school_id) if permissions.is_id(school_id) else None
    if school is None or not permissions.can_see_school(user, school.id):
        raise NotFound("No such school.")
    return school


def _check_urn_free(session, urn, school_id=None):
    other = session.execute(select(School.id).where(School.urn == urn)).scalar_one_or_none()
    if other is not None and other != school_id:
        raise Invalid("Another school has this URN.", fields={"urn": ["This URN is already in use."]})


def _check_own_limit(limit):
    if limit is not None and not 0 <= limit <= MAX_OWN_LIMIT:
        message = f"Give a limit from 0 to {MAX_OWN_LIMIT}, or leave it empty to use the trust's policy."
        raise Invalid(message, fields={"max_active_initiatives": [message]})


def create_school(session, actor, **values):
    permissions.require(actor, permissions.ADMINISTER)
    _check_own_limit(values.get("max_active_initiatives"))
    _check_urn_free(session, values["urn"])
    school = School(**{k: v for k, v in values.items() if k in EDITABLE})
    session.add(school)
    session.flush()
    # A trust-wide initiative takes in every school, those to come included.
    initiatives.join_trust_initiatives(session, school)
    return school


def update_school(session, actor, school, version, **changes):
    permissions.require(actor, permissions.ADMINISTER)
    check_version(school, version)
    _check_own_limit(changes.get("max_active_initiatives"))
    if "urn" in changes:
        _check_urn_free(session, changes["urn"], school.id)
    for key, value in changes.items():
        if key in EDITABLE:
            setattr(school, key, value)
    session.flush()
    return school
