"""Programs, budgets, grants, the double-entry ledger and the equipment register."""
from flask import Blueprint

bp = Blueprint("ledger", __name__)
