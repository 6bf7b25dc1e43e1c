"""API: groups, their status transitions and members."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_groups", __name__, url_prefix="/api/v1", description="Groups and members")
