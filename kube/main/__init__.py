"""The home page and pages that belong to no single feature."""
from flask import Blueprint

bp = Blueprint("main", __name__)
