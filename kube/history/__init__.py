"""Bringing the office's history in: one workbook of groups, members, budgets, grants and reports."""
from flask import Blueprint

bp = Blueprint("history", __name__, url_prefix="/admin/history")
