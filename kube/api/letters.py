"""API: grant letters and verification."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_letters", __name__, url_prefix="/api/v1", description="Grant letters and verification")
