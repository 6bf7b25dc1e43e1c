"""Flask commands `backup` and `restore`: one verified file per snapshot, restored only into an empty database."""
from __future__ import annotations

import tempfile
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from kube.backup import archive, engines, manifest, retention
from kube.backup.archive import BackupError
from kube.core.clock import OFFICE_TIMEZONE, utc_now
from kube.extensions import db

DIALECT_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _dialect_name(dialect: str) -> str:
    return DIALECT_NAMES.get(dialect, dialect)


def migration_scripts() -> ScriptDirectory:
    """The code's Alembic revisions (the app's migrations folder)."""
    extension = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(extension.migrate.get_config(extension.directory))


def _summary(content: dict) -> str:
    tables = content["tables"]
    return (f"revision {content['revision']}, {len(tables)} tables, {sum(tables.values()):,} rows, "
            f"{len(content['letters']):,} letters")


@click.command("backup")
@click.argument("out_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path),
              help="Write kube-YYYY-MM-DDTHHMMSS.kubebackup (office time) into this folder instead of OUT_FILE.")
@click.option("--prune", is_flag=True,
              help="With --folder: afterwards keep the newest backup of each of the last 7 days, 4 weeks and "
                   "12 months that have backups, and delete the folder's other Kube backups.")
def backup_command(out_file: Path | None, folder: Path | None, prune: bool):
    """Write a consistent snapshot of the database, with its manifest, to OUT_FILE (or into --folder)."""
    if (out_file is None) == (folder is None):
        raise click.UsageError("give either OUT_FILE or --folder DIR")
    if prune and folder is None:
        raise click.UsageError("--prune works only with --folder (it deletes older backups in that folder)")
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        out_file = folder / retention.backup_name(utc_now().astimezone(OFFICE_TIMEZONE).replace(tzinfo=None))
    if out_file.exists():
        raise click.ClickException(f"{out_file} already exists; a backup never overwrites a file")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Next to the backup, so the snapshot has the same disk space and the final rename stays on one disk.
        with tempfile.TemporaryDirectory(prefix=".kube-backup-", dir=out_file.parent) as work:
            created = manifest.provenance()
            content, data = engines.snapshot(db.engine, Path(work))
            file_sha256, file_size = archive.write_archive(out_file, {**created, **content}, data)
    except BackupError as error:
        raise click.ClickException(f"Backup failed, no backup was written: {error}") from error
    click.echo(f"Backup written: {out_file}")
    click.echo(f"  {_dialect_name(content['dialect'])} database, {_summary(content)}")
    click.echo(f"  size {file_size:,} bytes, SHA-256 {file_sha256}")
    if prune:
        _prune(folder)


def _prune(folder: Path) -> None:
    """Delete the folder's Kube backups that the retention rule does not keep, saying which."""
    names = [path.name for path in folder.iterdir() if path.is_file()]
    doomed = retention.names_to_delete(names)
    for name in doomed:
        (folder / name).unlink()
        click.echo(f"Deleted old backup {name}")
    kept = sum(1 for name in names if retention.parse_backup_name(name)) - len(doomed)
    click.echo(f"Kept {kept} backups in {folder} (newest of each of the last 7 days, 4 weeks and 12 months).")


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data (says what it replaces).")
def restore_command(backup_file: Path, force: bool):
    """Restore BACKUP_FILE into the configured database, which must be empty, then check it against the manifest."""
    scripts = migration_scripts()
    head = scripts.get_current_head()
    with tempfile.TemporaryDirectory(prefix="kube-restore-") as work:
        data = Path(work) / "data"
        try:
            wanted = archive.read_archive(backup_file, data)
        except BackupError as error:
            raise click.ClickException(f"{backup_file} refused, nothing was changed: {error}") from error
        dialect = db.engine.dialect.name
        click.echo(f"{backup_file} is intact: taken {wanted.get('created_at')} by Kube {wanted.get('kube_version')} "
                   f"from a {_dialect_name(wanted['dialect'])} database, {_summary(wanted)}.")
        if wanted["dialect"] != dialect:
            raise click.ClickException(
                f"This is a backup of a {_dialect_name(wanted['dialect'])} database, but the configured database "
                f"(DATABASE_URL) is {_dialect_name(dialect)}: restore it into a {_dialect_name(wanted['dialect'])} "
                "database. Nothing was changed.")
        revision = wanted.get("revision")
        known = {script.revision for script in scripts.walk_revisions()}
        if revision is not None and revision not in known:
            raise click.ClickException(
                f"The backup is at schema revision {revision}, which this Kube does not know (newest: {head}): "
                "it was made by a newer Kube. Update Kube, then restore. Nothing was changed.")
        with db.engine.connect() as connection:
            held = manifest.holdings(manifest.table_counts(connection))
        if held and not force:
            raise click.ClickException(
                f"The database is not empty; it holds: {manifest.describe_counts(held)}. Nothing was changed. "
                "Restore into an empty database, or add --force to replace everything in it.")
        if held:
            click.echo(f"--force: replacing everything in the database, which held: {manifest.describe_counts(held)}")
        db.session.remove()
        try:
            engines.restore(db.engine, data)
        except BackupError as error:
            raise click.ClickException(f"Restore failed: {error}") from error
    with db.engine.connect() as connection:
        found = manifest.collect(connection)
    problems = manifest.differences(wanted, found)
    if problems:
        raise click.ClickException("The restored database does not match the backup's manifest, so it must not "
                                   "be used (restore another backup with --force):\n  " + "\n  ".join(problems))
    balance = found["trial_balance"]
    click.echo("Restored and checked against the manifest:")
    click.echo(f"  schema revision {found['revision']}")
    click.echo(f"  {len(found['tables'])} tables, {sum(found['tables'].values()):,} rows: every table's count matches")
    if balance is not None:
        click.echo(f"  trial balance: debit {balance['debit']:,}, credit {balance['credit']:,}, "
                   f"{balance['accounts']:,} accounts: as in the backup")
    click.echo(f"  {len(found['letters']):,} letters: every PDF matches its SHA-256 in the manifest")
    if revision != head:
        upgrade()
        db.engine.dispose()
        click.echo(f"Migrated the restored database from revision {revision} to {head}, this Kube's newest.")
