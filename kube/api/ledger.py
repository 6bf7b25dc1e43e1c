"""API: budgets, grants and the ledger."""
from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_ledger", __name__, url_prefix="/api/v1", description="Budgets, grants and the ledger")
