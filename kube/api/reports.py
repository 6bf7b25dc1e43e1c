"""API: monthly income reports."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1", description="Monthly income reports")
