"""Flask commands for grant letters: `letters export --year 2025 [--program KUBE] OUT.pdf|OUT.zip`."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click
from flask.cli import AppGroup

from kube.ledger import letters
from kube.ledger.models import PROGRAMS

letters_cli = AppGroup("letters", help="Grant letters (Berita Acara Serah Terima).")


@letters_cli.command("export")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="Year of the letter numbers.")
@click.option("--program", type=click.Choice(PROGRAMS), default=None, help="Only this program's letters.")
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(year, program, out: Path):
    """Write every issued letter of a year to OUT.pdf (one printable PDF) or OUT.zip (the stored files and a list)."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in letters.EXPORT_FORMATS:
        raise click.UsageError("OUT must end in .pdf or .zip")
    total = letters.count_letters(year, program)
    if total == 0:
        raise click.ClickException(f"No letters issued in {year}{' for ' + program if program else ''}; nothing written.")
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written next to OUT and renamed at the end, so an interrupted export never leaves half a file as OUT.
    handle, partial = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as target, \
                click.progressbar(length=total, label=f"Letters {year}", show_pos=True, file=sys.stderr) as bar:
            written = letters.write_export(year, program, fmt, target, progress=lambda _letter: bar.update(1))
        os.replace(partial, out)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    click.echo(f"Wrote {written} letters to {out}.")
