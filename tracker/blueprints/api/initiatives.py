from flask import g, jsonify
from marshmallow import fields, validate

from tracker import clock, initiatives, school_status
from tracker.blueprints.api.common import Blueprint
from tracker.blueprints.api.common import (Choice, Id, PageArgs, PlausibleDate, QueryId, StrictSchema, Text,
                                           current, page_schema, paginate)
from tracker.extensions import db
from tracker.models.initiative import HELIX_COMPONENTS, PHASES, PILLARS, RAGS, SCOPES, STATUSES

blp = Blueprint("initiatives", __name__, url_prefix="/api/v1/initiatives",
                description="Initiatives")


class OneOut(StrictSchema):
    initiative_id = Id(allow_none=True, load_default=None)
    practice = Text(2000, allow_none=True, load_default=None)
    due_on = PlausibleDate(required=True)
    done_on = PlausibleDate(allow_none=True, load_default=None)


class InitiativeIn(StrictSchema):
    title = Text(200, required=True, required_text=True)
    school_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=500))
    owner_id = Id(load_default=None)
    problem = Text(20_000, load_default="")
    evidence = Text(20_000, load_default="")
    intended_outcomes = Text(20_000, load_default="")
    active_ingredients = Text(20_000, load_default="")
    implementation_strategies = Text(20_000, load_default="")
    pillars = fields.List(Choice(PILLARS), load_default=list, validate=validate.Length(max=20))
    helix_components = fields.List(Choice(HELIX_COMPONENTS), load_default=list,
                                   validate=validate.Length(max=20))
    one_out = fields.Nested(OneOut, allow_none=True, load_default=None)
    scope = Choice(SCOPES, load_default=None)
    driver_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=500), metadata={
        "description": "The drivers (of goals) it serves: any trust goal's, or a goal of one of "
                       "its schools."})


class InitiativePatch(StrictSchema):
    title = Text(200, required_text=True)
    school_ids = fields.List(Id(), validate=validate.Length(min=1, max=500))
    owner_id = Id()
    problem = Text(20_000)
    evidence = Text(20_000)
    intended_outcomes = Text(20_000)
    active_ingredients = Text(20_000)
    implementation_strategies = Text(20_000)
    pillars = fields.List(Choice(PILLARS), validate=validate.Length(max=20))
    helix_components = fields.List(Choice(HELIX_COMPONENTS), validate=validate.Length(max=20))
    one_out = fields.Nested(OneOut, allow_none=True)
    scope = Choice(SCOPES)
    driver_ids = fields.List(Id(), validate=validate.Length(max=500), metadata={
        "description": "The drivers it serves, all of them (links to drivers you cannot see stay)."})
    version = fields.Integer(required=True, strict=True)


class OneOutOut(StrictSchema):
    initiative_id = fields.Integer(allow_none=True)
    practice = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    done_on = fields.Date(allow_none=True)


class SchoolStatusOut(StrictSchema):
    school_id = fields.Integer()
    rag = fields.String(allow_none=True, metadata={
        "description": "The school's own RAG of the initiative: the newest update for it or "
                       "for all its schools."})
    latest_update_at = fields.DateTime(allow_none=True)
    overdue_milestones = fields.Integer(metadata={
        "description": "Overdue milestones for this school or for all its schools."})


class SchoolsStatus(fields.List):
    """An initiative's ``schools_status``: given to a page of them at once by
    ``with_schools_status``, else asked for this one."""

    def get_value(self, obj, attr, accessor=None, default=None):
        found = g.get("schools_status", {})
        return found[obj.id] if obj.id in found else with_schools_status([obj])[obj.id]


class InitiativeOut(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    problem = fields.String()
    evidence = fields.String()
    intended_outcomes = fields.String()
    active_ingredients = fields.String()
    implementation_strategies = fields.String()
    owner_id = fields.Integer()
    school_ids = fields.List(fields.Integer())
    phase = fields.String()
    status = fields.String()
    rag = fields.String(allow_none=True)
    scope = fields.String()
    pillars = fields.List(fields.String())
    helix_components = fields.List(fields.String())
    driver_ids = fields.List(fields.Integer(), metadata={
        "description": "The drivers (of goals) it serves, as a change idea."})
    one_out = fields.Method("get_one_out")
    schools_status = SchoolsStatus(fields.Nested(SchoolStatusOut), metadata={
        "description": "How it stands in each of its schools you can see (a shared initiative "
                       "reports per school)."})
    phase_since = fields.Date()
    created_at = fields.DateTime()
    last_update_at = fields.DateTime(allow_none=True)
    version = fields.Integer()

    def get_one_out(self, initiative):
        value = initiatives.one_out_of(initiative)
        return OneOutOut().dump(value) if value else None


def with_schools_status(items):
    """The ``schools_status`` of each of ``items`` (initiatives) for the caller, in three queries
    for any number of them, kept for this request: ``{initiative_id: [SchoolStatus]}``."""
    found = school_status.statuses(db.session, current(), [i.id for i in items], clock.today())
    g.schools_status = g.get("schools_status", {}) | found
    return found


class InitiativeFilters(PageArgs):
    school_id = QueryId()
    phase = Choice(PHASES)
    status = Choice(STATUSES)
    rag = Choice(RAGS + (initiatives.NO_RAG,), metadata={
        "description": "`none`: not rated yet. With `school_id`, that school's own RAG of the "
                       "initiative (as the dashboard counts it), else the initiative's."})
    owner_id = QueryId()
    pillar = Choice(PILLARS)
    helix_component = Choice(HELIX_COMPONENTS)
    attention = Choice(tuple(initiatives.ATTENTION), metadata={
        "description": "What needs attention: overdue milestones, stuck PDSA cycles, or no "
                       "progress update for NUDGE_STALE_DAYS (`stale`)"})
    q = Text(200)


@blp.route("", methods=["GET"])
@blp.arguments(InitiativeFilters, location="query")
@blp.response(200, page_schema(InitiativeOut))
def list_initiatives(args):
    """Initiatives you can see, filtered; ``q`` searches title, problem and evidence."""
    page, per_page = args.pop("page"), args.pop("per_page")
    # Plain values rather than records of the ORM, written out by ``list_item``.
    found = paginate(initiatives.filter_initiatives(current(), **args), page, per_page,
                     fetch=initiatives.records)
    statuses = with_schools_status(found["items"])
    return jsonify({"items": [list_item(record, statuses[record.id]) for record in found["items"]],
                    "total": found["total"]})


def _iso(value):
    return None if value is None else value.isoformat()


def list_item(record, statuses):
    """``InitiativeOut`` of an ``initiatives.InitiativeRecord`` with its ``schools_status``,
    field for field as the schema dumps one (marshmallow's dump of a page of them cost as
    much as reading them): the list and ``GET /initiatives/{id}`` answer the same, which
    tests/test_api_initiatives.py checks."""
    one_out = initiatives.one_out_of(record)
    if one_out is not None:
        one_out = {"initiative_id": one_out["initiative_id"], "practice": one_out["practice"],
                   "due_on": _iso(one_out["due_on"]), "done_on": _iso(one_out["done_on"])}
    return {
        "id": record.id, "title": record.title, "problem": record.problem,
        "evidence": record.evidence, "intended_outcomes": record.intended_outcomes,
        "active_ingredients": record.active_ingredients,
        "implementation_strategies": record.implementation_strategies,
        "owner_id": record.owner_id, "school_ids": record.school_ids, "phase": record.phase,
        "status": record.status, "rag": record.rag, "scope": record.scope,
        "pillars": record.pillars, "helix_components": record.helix_components,
        "driver_ids": record.driver_ids, "one_out": one_out,
        "schools_status": [{"school_id": status.school_id, "rag": status.rag,
                            "latest_update_at": _iso(status.latest_update_at),
                            "overdue_milestones": status.overdue_milestones}
                           for status in statuses],
        "phase_since": _iso(record.phase_since), "created_at": _iso(record.created_at),
        "last_update_at": _iso(record.last_update_at), "version": record.version}


@blp.route("", methods=["POST"])
@blp.arguments(InitiativeIn)
@blp.response(201, InitiativeOut)
def create_initiative(values):
    """Start an initiative (it begins in Explore, active)."""
    initiative = initiatives.create_initiative(db.session, current(), **values)
    db.session.commit()
    return initiative


@blp.route("/<int:initiative_id>", methods=["GET"])
@blp.response(200, InitiativeOut)
def get_initiative(initiative_id):
    return initiatives.get_visible(db.session, current(), initiative_id)


@blp.route("/<int:initiative_id>", methods=["PATCH"])
@blp.arguments(InitiativePatch)
@blp.response(200, InitiativeOut)
def patch_initiative(changes, initiative_id):
    """Edit the plan; send the ``version`` you read (a stale one gets 409)."""
    initiative = initiatives.get_visible(db.session, current(), initiative_id)
    version = changes.pop("version")
    initiatives.update_initiative(db.session, current(), initiative, version, **changes)
    db.session.commit()
    return initiative
