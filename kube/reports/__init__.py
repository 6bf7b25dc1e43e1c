"""Monthly income reports: the leader's form, officers' entry and verification, reporting discipline."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
