"""Demo data for trying Kube: accounts of every role (grows with each feature)."""
from __future__ import annotations

from kube.auth import operations
from kube.auth.models import ADMIN, OFFICER, VIEWER

#: Shown on the terminal by `flask demo`; only ever used for demo databases.
DEMO_PASSWORD = "kube-demo-2026"

DEMO_STAFF = [
    ("admin", "Administrator Sistem", ADMIN, None, "Administrator"),
    ("petugas", "Siti Rahmawati", OFFICER, "198703152010012004", "Pendamping Kube"),
    ("petugas2", "Ahmad Fauzi", OFFICER, "198911022014021001", "Pendamping Kube"),
    ("kadis", "Drs. H. Hasan Basri", VIEWER, "196805121990031007", "Kepala Dinas Sosial"),
]


def load_demo() -> None:
    """Create the demo records."""
    for username, name, role, nip, position in DEMO_STAFF:
        operations.create_user(username, name, role, DEMO_PASSWORD, nip=nip, position=position)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role, name) of the demo accounts that still use the demo password."""
    from sqlalchemy import select

    from kube.auth.models import User
    from kube.auth.passwords import verify_password
    from kube.extensions import db

    users = db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    return [(u.username, u.role, u.full_name) for u in users[:40] if verify_password(u.password_hash, DEMO_PASSWORD)]
