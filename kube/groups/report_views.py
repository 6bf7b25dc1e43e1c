"""HTML pages for monthly income reports and reporting discipline."""
from __future__ import annotations

from kube.groups import bp  # noqa: F401
