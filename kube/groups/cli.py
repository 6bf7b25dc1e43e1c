"""Flask commands for groups: `import-members FILE` (all rows or none)."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from kube.auth.models import User
from kube.auth.roles import can_import_members
from kube.core.database import immediate_transactions
from kube.core.transaction import committed
from kube.extensions import db


@click.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--actor", "actor_name", default=None, metavar="USERNAME",
              help="Officer or administrator recorded in the audit log.")
def import_members_command(file: Path, actor_name: str | None):
    """Import members from a CSV or XLSX list; any invalid row imports nothing."""
    from kube.groups import importer

    if file.stat().st_size > importer.MAX_BYTES:
        raise click.ClickException(f"Berkas lebih besar dari {importer.MAX_BYTES // (1024 * 1024)} MB.")
    try:
        table = importer.read_table(file.read_bytes(), file.name)
    except importer.ImportFileError as error:
        raise click.ClickException(error.message) from error
    # On SQLite the transaction takes the write lock from its first statement, so a web
    # request cannot slip a conflicting member in between the checks and the commit.
    with immediate_transactions(), committed():
        actor = None
        if actor_name:
            actor = db.session.scalar(select(User).where(User.username == actor_name.strip().lower()))
            if not can_import_members(actor) or not actor.active:
                raise click.ClickException(f"{actor_name}: bukan akun petugas atau administrator yang aktif.")
        with click.progressbar(length=len(table.rows), label=f"Memeriksa {len(table.rows)} baris") as bar:
            report = importer.import_table(table, actor, progress=bar.update)
        if not report.ok:
            for error in report.errors:
                click.echo(str(error), err=True)
            raise click.ClickException(f"{len(report.errors)} kesalahan; tidak ada anggota yang diimpor.")
    click.echo(f"{report.total} anggota diimpor ke {len(report.created)} kelompok:")
    for code, count in report.created.items():
        click.echo(f"  {code:<20} {count}")
