"""HTML pages for importing members from CSV/XLSX and exporting groups and members."""
from __future__ import annotations

from kube.groups import bp  # noqa: F401
