"""API: flags and trends."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_monitoring", __name__, url_prefix="/api/v1", description="Flags and trends")
