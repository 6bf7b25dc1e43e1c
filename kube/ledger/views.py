"""HTML pages for budgets, grants, the ledger reports and the equipment register."""
from __future__ import annotations

from kube.ledger import bp  # noqa: F401
