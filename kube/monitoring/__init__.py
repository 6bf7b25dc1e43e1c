"""Income trend analysis (pure functions), flags, follow-ups and the dashboard."""
from flask import Blueprint

bp = Blueprint("monitoring", __name__)
