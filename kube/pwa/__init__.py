"""The leaders' installable web app: its manifest, its service worker, and replay-safe report form posts."""
from flask import Blueprint

bp = Blueprint("pwa", __name__)
