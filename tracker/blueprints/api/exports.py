"""CSV and Excel exports, and the board pack."""
from tracker.blueprints.api.common import Blueprint

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="CSV and Excel exports, and the board pack")
