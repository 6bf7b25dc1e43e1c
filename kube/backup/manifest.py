"""What a backup promises about its database: revision, rows per table, trial balance, letters' hashes; and the check.

Read with plain SQL and the inspector on whatever connection it is given (the snapshot's own), so it
describes exactly the data in the file, and works on databases of any earlier schema revision.
"""
from __future__ import annotations

import hashlib
from importlib import metadata

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kube.core.clock import utc_now

#: Written by the migrations (reference data, the schema's revision, the day the database started):
#: a database holding only these is empty.
REFERENCE_TABLES = frozenset({"alembic_version", "regions", "installation"})
#: Mismatches listed one by one before the rest are only counted.
_LISTED = 20


def kube_version() -> str:
    """The installed Kube's version (pyproject's [project] version), or "unknown" when it is not installed."""
    try:
        return metadata.version("kube")
    except metadata.PackageNotFoundError:
        return "unknown"


def table_counts(connection: Connection) -> dict[str, int]:
    """Rows in every table of the database's default schema, by table name."""
    names = sa.inspect(connection).get_table_names()
    return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
            for name in sorted(names)}


def holdings(counts: dict[str, int]) -> dict[str, int]:
    """The tables that make a database non-empty: rows anywhere but the migrations' reference tables."""
    return {name: rows for name, rows in counts.items() if rows and name not in REFERENCE_TABLES}


def describe_counts(counts: dict[str, int]) -> str:
    """Row counts as one line an operator can read: `groups 12, members 60`."""
    return ", ".join(f"{name} {rows:,}" for name, rows in sorted(counts.items()))


def schema_revision(connection: Connection, tables: dict[str, int]) -> str | None:
    """The Alembic revision the database is at; None before its first migration."""
    if "alembic_version" not in tables:
        return None
    versions = sorted(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    return ",".join(versions) or None


def trial_balance_totals(connection: Connection, tables: dict[str, int]) -> dict | None:
    """Total debit and credit of every journal line and the number of accounts; None before the ledger existed."""
    if "journal_lines" not in tables or "accounts" not in tables:
        return None
    debit, credit = connection.execute(
        sa.text("SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0) FROM journal_lines")).one()
    # PostgreSQL sums bigint into numeric; the manifest keeps whole Rupiah as JSON integers.
    return {"accounts": tables["accounts"], "debit": int(debit), "credit": int(credit)}


def letter_hashes(connection: Connection, tables: dict[str, int]) -> dict[str, dict]:
    """Each stored letter by id: its number and the SHA-256 recomputed from its stored PDF (not the recorded one)."""
    if "letters" not in tables:
        return {}
    rows = connection.execute(sa.text("SELECT id, number, pdf FROM letters ORDER BY id")
                              .execution_options(yield_per=50))  # PDFs are large: never all in memory at once
    return {str(letter_id): {"number": number, "sha256": hashlib.sha256(bytes(pdf or b"")).hexdigest()}
            for letter_id, number, pdf in rows}


def collect(connection: Connection) -> dict:
    """The checkable part of the manifest for the database behind `connection`."""
    tables = table_counts(connection)
    return {"dialect": connection.dialect.name, "revision": schema_revision(connection, tables), "tables": tables,
            "trial_balance": trial_balance_totals(connection, tables),
            "letters": letter_hashes(connection, tables)}


def provenance() -> dict:
    """The manifest's other facts: Kube's version and the moment of the backup (UTC, ISO 8601)."""
    return {"kube_version": kube_version(), "created_at": utc_now().isoformat(timespec="seconds")}


def _listed(problems: list[str]) -> list[str]:
    if len(problems) <= _LISTED:
        return problems
    return [*problems[:_LISTED], f"... and {len(problems) - _LISTED:,} more"]


def differences(expected: dict, found: dict) -> list[str]:
    """Where the restored database (`found`, from `collect`) differs from the backup's manifest, in words."""
    problems = []
    if expected.get("revision") != found["revision"]:
        problems.append(f"schema revision: the backup has {expected.get('revision')}, "
                        f"the restored database {found['revision']}")
    wanted, restored = expected.get("tables", {}), found["tables"]
    for name in sorted(wanted.keys() | restored.keys()):
        if name not in restored:
            problems.append(f"table {name}: in the backup ({wanted[name]:,} rows) but not restored")
        elif name not in wanted:
            problems.append(f"table {name}: restored ({restored[name]:,} rows) but not in the backup")
        elif wanted[name] != restored[name]:
            problems.append(f"table {name}: {wanted[name]:,} rows in the backup, {restored[name]:,} restored")
    if expected.get("trial_balance") != found["trial_balance"]:
        problems.append(f"trial balance: the backup has {expected.get('trial_balance')}, "
                        f"the restored database {found['trial_balance']}")
    letters, restored_letters = expected.get("letters", {}), found["letters"]
    for letter_id in sorted(letters.keys() | restored_letters.keys(), key=lambda key: (len(key), key)):
        want, have = letters.get(letter_id), restored_letters.get(letter_id)
        if want != have:
            name = (want or have)["number"]
            what = "missing" if have is None else "not in the backup" if want is None else "its PDF's SHA-256 differs"
            problems.append(f"letter {name} (id {letter_id}): {what}")
    return _listed(problems)
