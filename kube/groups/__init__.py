"""Regions, Kube groups, members and income reports."""
from flask import Blueprint

bp = Blueprint("groups", __name__)
