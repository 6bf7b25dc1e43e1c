"""HTML pages for groups and members (list, detail, forms, transitions, member search)."""
from __future__ import annotations

from kube.groups import bp  # noqa: F401
