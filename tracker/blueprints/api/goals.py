"""Goals and driver diagrams."""
from tracker.blueprints.api.common import Blueprint

blp = Blueprint("goals", __name__, url_prefix="/api/v1/goals", description="Goals and driver diagrams")
