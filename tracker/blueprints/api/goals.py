"""Goals and driver diagrams: the trust's goals (``school_id`` null) and schools' goals, their
primary and secondary drivers, and the diagram of the initiatives under them. The rules are
tracker/goals.py's; initiatives link to drivers through their own ``driver_ids``."""
from marshmallow import fields

from tracker import goals, permissions
from tracker.blueprints.api.common import (Blueprint, Id, PageArgs, PlausibleDate, QueryId,
                                           StrictSchema, Text, current, page_schema, paginate)
from tracker.extensions import db

blp = Blueprint("goals", __name__, url_prefix="/api/v1/goals", description="Goals and driver diagrams")


class GoalIn(StrictSchema):
    title = Text(goals.MAX_TITLE, required=True, required_text=True)
    aim = Text(goals.MAX_AIM, load_default="", metadata={
        "description": "The measurable statement: what will improve, by how much, by when."})
    school_id = Id(allow_none=True, load_default=None, metadata={
        "description": "The school whose goal it is; null or absent: the trust's (admins and the "
                       "central team). A school's goal: its school lead or an admin."})
    measure_id = Id(allow_none=True, load_default=None, metadata={
        "description": "A trust KPI, or a measure you can see, that tells whether the aim is met."})
    target_on = PlausibleDate(allow_none=True, load_default=None)


class GoalPatch(StrictSchema):
    title = Text(goals.MAX_TITLE, required_text=True)
    aim = Text(goals.MAX_AIM)
    measure_id = Id(allow_none=True)
    target_on = PlausibleDate(allow_none=True)
    version = fields.Integer(required=True, strict=True)


class GoalOut(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    aim = fields.String()
    school_id = fields.Integer(allow_none=True)
    measure_id = fields.Integer(allow_none=True)
    target_on = fields.Date(allow_none=True)
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    version = fields.Integer()


class GoalFilters(PageArgs):
    school_id = QueryId(metadata={"description": "That school's goals only."})


class DriverIn(StrictSchema):
    title = Text(goals.MAX_TITLE, required=True, required_text=True)
    parent_id = Id(allow_none=True, load_default=None, metadata={
        "description": "Absent or null: a primary driver. A primary driver of the same goal: a "
                       "secondary driver under it (two levels only; 422 otherwise)."})


class DriverPatch(StrictSchema):
    title = Text(goals.MAX_TITLE, required=True, required_text=True)
    version = fields.Integer(required=True, strict=True)


class DriverOut(StrictSchema):
    id = fields.Integer()
    goal_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    title = fields.String()
    version = fields.Integer()


class DiagramInitiativeOut(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    phase = fields.String()
    rag = fields.String(allow_none=True)
    status = fields.String()


class DiagramSecondaryOut(StrictSchema):
    id = fields.Integer()
    title = fields.String()
    parent_id = fields.Integer(allow_none=True)
    version = fields.Integer()
    children = fields.List(fields.Dict(), metadata={"description": "Always empty: two levels."})
    initiatives = fields.List(fields.Nested(DiagramInitiativeOut))
    no_initiative = fields.Boolean(metadata={
        "description": "No initiative you can see serves this driver or its secondary drivers."})


class DiagramDriverOut(DiagramSecondaryOut):
    children = fields.List(fields.Nested(DiagramSecondaryOut))


class DiagramOut(StrictSchema):
    goal = fields.Nested(GoalOut)
    drivers = fields.List(fields.Nested(DiagramDriverOut), metadata={
        "description": "Primary drivers, each with its secondary drivers (`children`); under "
                       "each driver only the initiatives you may see."})


@blp.route("", methods=["GET"])
@blp.arguments(GoalFilters, location="query")
@blp.response(200, page_schema(GoalOut))
def list_goals(args):
    """The goals you can read: the trust's first, then your schools'."""
    stmt = goals.find_goals(db.session, current(), args.get("school_id"))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route("", methods=["POST"])
@blp.arguments(GoalIn)
@blp.response(201, GoalOut)
def create_goal(values):
    """Set a goal of the trust or of one school."""
    goal = goals.create_goal(db.session, current(), **values)
    db.session.commit()
    return goal


@blp.route("/<int:goal_id>", methods=["GET"])
@blp.response(200, GoalOut)
def get_goal(goal_id):
    return goals.get_goal(db.session, current(), goal_id)


@blp.route("/<int:goal_id>", methods=["PATCH"])
@blp.arguments(GoalPatch)
@blp.response(200, GoalOut)
def patch_goal(changes, goal_id):
    """Edit the goal; send the ``version`` you read (a stale one gets 409)."""
    goal = goals.get_goal(db.session, current(), goal_id, permissions.WRITE)
    version = changes.pop("version")
    goals.update_goal(db.session, current(), goal, version, **changes)
    db.session.commit()
    return goal


@blp.route("/<int:goal_id>", methods=["DELETE"])
@blp.response(204)
def delete_goal(goal_id):
    """Delete the goal and its drivers; the initiatives under them stay."""
    goal = goals.get_goal(db.session, current(), goal_id, permissions.WRITE)
    goals.delete_goal(db.session, current(), goal)
    db.session.commit()


@blp.route("/<int:goal_id>/drivers", methods=["GET"])
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(DriverOut))
def list_drivers(args, goal_id):
    """The goal's drivers, primary and secondary, in the order added."""
    goal = goals.get_goal(db.session, current(), goal_id)
    return paginate(goals.drivers_of(goal), args["page"], args["per_page"])


@blp.route("/<int:goal_id>/drivers", methods=["POST"])
@blp.arguments(DriverIn)
@blp.response(201, DriverOut)
def add_driver(values, goal_id):
    """Add a primary driver, or with ``parent_id`` a secondary one under a primary driver."""
    goal = goals.get_goal(db.session, current(), goal_id, permissions.WRITE)
    driver = goals.add_driver(db.session, current(), goal, **values)
    db.session.commit()
    return driver


@blp.route("/<int:goal_id>/drivers/<int:driver_id>", methods=["GET"])
@blp.response(200, DriverOut)
def get_driver(goal_id, driver_id):
    goal = goals.get_goal(db.session, current(), goal_id)
    return goals.get_driver(db.session, current(), goal, driver_id)


@blp.route("/<int:goal_id>/drivers/<int:driver_id>", methods=["PATCH"])
@blp.arguments(DriverPatch)
@blp.response(200, DriverOut)
def rename_driver(values, goal_id, driver_id):
    """Rename a driver; send the ``version`` you read (a stale one gets 409)."""
    goal = goals.get_goal(db.session, current(), goal_id, permissions.WRITE)
    driver = goals.get_driver(db.session, current(), goal, driver_id)
    goals.rename_driver(db.session, current(), driver, values["version"], values["title"])
    db.session.commit()
    return driver


@blp.route("/<int:goal_id>/drivers/<int:driver_id>", methods=["DELETE"])
@blp.response(204)
def delete_driver(goal_id, driver_id):
    """Delete a driver (a primary one with its secondary drivers); initiatives stay."""
    goal = goals.get_goal(db.session, current(), goal_id, permissions.WRITE)
    driver = goals.get_driver(db.session, current(), goal, driver_id)
    goals.delete_driver(db.session, current(), driver)
    db.session.commit()


@blp.route("/<int:goal_id>/diagram", methods=["GET"])
@blp.response(200, DiagramOut)
def get_diagram(goal_id):
    """The driver diagram: goal, primary drivers, secondary drivers, and the initiatives you
    may see under each."""
    goal = goals.get_goal(db.session, current(), goal_id)
    return goals.diagram(db.session, current(), goal)
