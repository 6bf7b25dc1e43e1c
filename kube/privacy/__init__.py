"""Personal data (UU PDP): the public privacy notice, and the administrators' report of what Kube holds on a person."""
from flask import Blueprint

bp = Blueprint("privacy", __name__)
