"""Self-evaluation against the seven pillars."""
from tracker.blueprints.api.common import Blueprint

blp = Blueprint("self_evaluations", __name__, url_prefix="/api/v1/self-evaluations", description="Self-evaluation against the seven pillars")
