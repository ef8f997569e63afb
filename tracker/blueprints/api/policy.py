"""The trust's "one in, one out" policy and its breaches."""
from marshmallow import Schema, fields, validate

from tracker import clock, permissions, policy
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import Choice, PageArgs, QueryId, StrictSchema, current
from tracker.extensions import db
from tracker.models.policy import POLICY_MODES

blp = Blueprint("policy", __name__, url_prefix="/api/v1/policy",
                description='The "one in, one out" policy')

KINDS = ("over_limit", "out_overdue")


def _bounded(name):
    low, high = policy.LIMITS[name]
    return fields.Integer(required=True, strict=True, validate=validate.Range(min=low, max=high))


class PolicyOut(Schema):
    mode = fields.String()
    max_active_initiatives = fields.Integer()
    out_grace_days = fields.Integer()
    review_interval_days = fields.Integer()
    version = fields.Integer()


class PolicyIn(StrictSchema):
    mode = Choice(POLICY_MODES, required=True)
    max_active_initiatives = _bounded("max_active_initiatives")
    out_grace_days = _bounded("out_grace_days")
    review_interval_days = _bounded("review_interval_days")
    version = fields.Integer(strict=True, metadata={"description": (
        "The version you read; without it the policy is replaced as it is. "
        "A stale version gets 409 stale_version.")})


class BreachOut(Schema):
    kind = fields.String()
    school_id = fields.Integer()
    initiative_id = fields.Integer()
    since = fields.Date()


class BreachFilters(PageArgs):
    school_id = QueryId()
    kind = Choice(KINDS)


class BreachPage(Schema):
    items = fields.List(fields.Nested(BreachOut))
    total = fields.Integer()


@blp.route("", methods=["GET"])
@blp.response(200, PolicyOut)
def get_policy():
    """The trust policy. Everyone signed in may read it; only an admin changes it."""
    found = policy.current_policy(db.session)
    db.session.commit()  # the first read creates the row with its defaults
    return found


@blp.route("", methods=["PUT"])
@blp.arguments(PolicyIn)
@blp.response(200, PolicyOut)
def put_policy(values):
    """Replace the policy (admins). Send every field, and the ``version`` you read to be
    refused (409 ``stale_version``, nothing written) if someone changed it since; without a
    version the policy is replaced as it is, and replacements sent at the same moment are
    applied one after the other (the last one stays)."""
    version = values.pop("version", None)
    updated = policy.update_policy(db.session, current(), version, **values)
    db.session.commit()
    return updated


@blp.route("/breaches", methods=["GET"])
@blp.arguments(BreachFilters, location="query")
@blp.response(200, BreachPage)
def list_breaches(args):
    """Today's breaches in the schools you can see.

    ``over_limit``: the school has more initiatives in prepare or deliver than its limit;
    ``since`` is the day the (limit + 1)-th of them entered prepare or deliver, and
    ``initiative_id`` that initiative. ``out_overdue``: the initiative's ``one_out`` is not
    done ``out_grace_days`` after its ``due_on``; ``since`` is the first day it was overdue.
    """
    visible = permissions.visible_school_ids(current())
    school_ids = visible
    if "school_id" in args:
        wanted = args["school_id"]
        school_ids = {wanted} if visible is None or wanted in visible else set()
    items = policy.breaches(db.session, clock.today(), school_ids=school_ids)
    if "kind" in args:
        items = [b for b in items if b["kind"] == args["kind"]]
    start = (args["page"] - 1) * args["per_page"]
    return {"items": items[start:start + args["per_page"]], "total": len(items)}
