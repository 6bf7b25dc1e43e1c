"""The audit log of every state change, and the administrators' page for it."""
from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
