"""Flask command `import-history FILE.xlsx [--dry-run]`, and `--template FILE.xlsx` for an empty workbook."""
from __future__ import annotations

import hashlib
from pathlib import Path

import click
from sqlalchemy import select

from kube.auth.models import User
from kube.auth.roles import can_record_history
from kube.core.database import immediate_transactions
from kube.core.transaction import committed
from kube.extensions import db


def _echo_report(report) -> None:
    """What was (or would be) created, per sheet and per kecamatan, and the notices."""
    click.echo(f"{'Lembar':<10} {'baris':>7} {'dibuat':>7} {'sudah ada':>10}")
    for sheet, rows, created, existing in report.sheet_counts():
        click.echo(f"{sheet:<10} {rows:>7} {created:>7} {existing:>10}")
    if report.total_created:
        sheets = [sheet for sheet, *_counts in report.sheet_counts()]
        click.echo(f"{'Per kecamatan':<18} " + " ".join(f"{sheet:>8}" for sheet in sheets))
        for kecamatan, counts in report.kecamatan_counts():
            click.echo(f"  {kecamatan or '(kota: anggaran)':<16} " + " ".join(f"{n:>8}" for n in counts))
    for notice in report.notices:
        click.echo(f"Catatan: {notice}")


@click.command("import-history")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--template", is_flag=True, help="Write an empty history workbook to FILE instead of importing.")
@click.option("--dry-run", is_flag=True, help="Check every row and say what would be created; save nothing.")
@click.option("--actor", "actor_name", default=None, metavar="USERNAME",
              help="The administrator recorded as having imported (required unless --template).")
def import_history_command(file: Path, template: bool, dry_run: bool, actor_name: str | None):
    """Import groups, members, budgets, grants and reports from one workbook; any error imports nothing."""
    from kube.groups.importer import MAX_BYTES, ImportFileError
    from kube.history import importer, workbook

    if template:
        if file.exists():
            raise click.ClickException(f"{file} sudah ada; templat tidak menimpa berkas.")
        file.write_bytes(workbook.template_xlsx())
        click.echo(f"Templat impor riwayat ditulis ke {file}.")
        return
    if not file.is_file():
        raise click.ClickException(f"{file}: berkas tidak ada.")
    if file.stat().st_size > MAX_BYTES:
        raise click.ClickException(f"Berkas lebih besar dari {MAX_BYTES // (1024 * 1024)} MB.")
    if not actor_name:
        raise click.UsageError("--actor USERNAME (an active administrator) is required to import")
    data = file.read_bytes()
    try:
        book = workbook.read_workbook(data, file.name, hashlib.sha256(data).hexdigest())
    except ImportFileError as error:
        raise click.ClickException(error.message) from error
    # On SQLite the transaction takes the write lock from its first statement, so nothing slips in between the
    # checks and the one commit at the end; a refused or dry run rolls its savepoint back and commits nothing.
    with immediate_transactions(), committed():
        actor = db.session.scalar(select(User).where(User.username == actor_name.strip().lower()))
        if not can_record_history(actor) or not actor.active:
            raise click.ClickException(f"{actor_name}: bukan akun administrator yang aktif.")
        with click.progressbar(length=book.rows, label=f"Memeriksa {book.rows} baris") as bar:
            report = importer.import_workbook(book, actor, dry_run=dry_run, progress=bar.update)
    if report.earlier:
        when, who = report.earlier
        click.echo(f"Berkas yang sama (SHA-256 {report.sha256[:12]}...) sudah diimpor {when:%Y-%m-%d %H:%M} UTC "
                   f"oleh {who or '-'}.")
    if not report.ok:
        for error in report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{len(report.errors)} kesalahan; tidak ada yang diimpor.")
    _echo_report(report)
    if report.nothing_new:
        click.echo("Tidak ada yang baru: semua baris sudah tercatat di Kube. Tidak ada yang diubah.")
    elif dry_run:
        click.echo(f"Uji coba: {report.total_created} data akan dibuat. Tidak ada yang disimpan.")
    else:
        click.echo(f"Impor selesai: {report.total_created} data dibuat (SHA-256 {report.sha256}).")
