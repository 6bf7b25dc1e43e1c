"""Accounts, roles, login and API tokens."""
from flask import Blueprint

bp = Blueprint("auth", __name__)
