"""Imports every model module so metadata (and Alembic) sees all tables."""
from kube.audit.models import AuditEntry, PersonalDataAccess, PersonalDataAccessSubject  # noqa: F401
from kube.auth.models import ApiToken, User  # noqa: F401
from kube.groups.models import Group, GroupStatusChange, Member, Region  # noqa: F401
from kube.reports.models import IncomeReport  # noqa: F401
from kube.monitoring.models import FollowUp  # noqa: F401
from kube.ledger.models import (  # noqa: F401
    Account, Asset, AssetCheck, Budget, Grant, GrantLine, IdempotencyRecord, JournalEntry, JournalLine, Letter,
    LetterSequence,
)
from kube.ledger import guards  # noqa: F401,E402  (append-only rules on the ledger tables)
