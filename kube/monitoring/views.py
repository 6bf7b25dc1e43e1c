"""HTML pages for flags, follow-ups and the dashboard."""
from __future__ import annotations

from kube.monitoring import bp  # noqa: F401
