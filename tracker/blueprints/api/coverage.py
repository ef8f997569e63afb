"""Active initiatives per pillar and helix component."""
from tracker.blueprints.api.common import Blueprint

blp = Blueprint("coverage", __name__, url_prefix="/api/v1/coverage", description="Active initiatives per pillar and helix component")
