"""Insights: intelligence about a school from several sources."""
from tracker.blueprints.api.common import Blueprint

blp = Blueprint("insights", __name__, url_prefix="/api/v1", description="Insights: intelligence about a school from several sources")
