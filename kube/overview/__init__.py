"""The head of office's overview: one page (with its PDF and XLSX) of the figures each list summarises."""
from flask import Blueprint

bp = Blueprint("overview", __name__)
