"""Time one grant letter's render through Kube's PDF helper next to WeasyPrint rendering the same HTML directly,
and a bulk export of 100 issued letters.

    .venv/bin/python bench/letters.py                       # about a minute: issues 100 letters first
    .venv/bin/python bench/letters.py --renders 30 --letters 200

Everything happens in a throwaway SQLite database in a temporary folder (never the development
database). The table gives the median and 95th percentile of each step and the median as a
multiple of "WeasyPrint direct" measured in the same run, so figures compare between machines; the
same for this process's CPU time, which stays steady when other work shares the machine.
"""
from __future__ import annotations

import argparse
import io
import platform
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402

HANDOVER = date(2025, 8, 28)


def throwaway_app():
    """The app on a new SQLite file in a temporary folder (never the development database or bench/out/)."""
    from config import Config
    from kube import create_app

    workdir = Path(tempfile.mkdtemp(prefix="kube-bench-letters-"))
    return create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'letters.sqlite3'}",
                      PASSWORD_HASH_FAST=True, RATELIMIT_ENABLED=False), workdir


def first_letter_html(grant) -> tuple[object, str]:
    """The grant's current letter and its HTML, rendered once as the letter's PDF was (in an app context)."""
    from kube.ledger import letters

    letter = letters.current_letter(grant.id)
    return letter, letters.render_letter_html(letters.letter_content(grant, letter.number, letter.token))


def weasyprint_direct(html: str, static: Path):
    """What a view calling WeasyPrint itself would do with the letter's HTML: same stylesheet, default fetcher,
    a font configuration and stylesheet parsed for this document. Returns the callable to time."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from kube.core.pdf import SHARED_STYLESHEET, static_base_url

    def render():
        font_config = FontConfiguration()
        stylesheet = CSS(filename=str(static / SHARED_STYLESHEET), font_config=font_config)
        return HTML(string=html, base_url=static_base_url(static)).write_pdf(
            stylesheets=[stylesheet], font_config=font_config)
    return render


def seed(letter_count: int):
    """Officers, budgets, one 10-member group and `letter_count` handed-over grants (each issues its letter)."""
    from kube.extensions import db
    from kube.ledger import operations
    from tests.factories import TENT_LINES, make_budget, make_group, make_user

    maker = make_user("officer", nip="198703152010012004", position="Pendamping Kube")
    checker = make_user("officer")
    make_budget(maker, amount=10**12)
    group = make_group(maker, members=10, status="active", name="Kube Sauyunan")
    grants = []
    for index in range(letter_count):
        grant = operations.create_grant("KUBE", 2025, group, TENT_LINES, maker)
        operations.submit_grant(grant, maker)
        operations.approve_grant(grant, checker, today=date(2025, 8, 1))
        grant.approved_at = grant.approved_at.replace(year=2025, month=8, day=1)
        operations.handover_grant(grant, HANDOVER, group.ketua, maker, today=HANDOVER)
        grants.append(grant)
        if index % 20 == 19:
            db.session.commit()
            print(f"  issued {index + 1} letters", file=sys.stderr)
    db.session.commit()
    return maker, checker, grants


def main(argv=None) -> int:
    """Command line: issue the letters, time every step, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=15, help="timed renders per row (median of these)")
    parser.add_argument("--letters", type=int, default=100, help="letters issued and exported in bulk")
    parser.add_argument("--exports", type=int, default=3, help="timed bulk exports per format")
    args = parser.parse_args(argv)

    import weasyprint
    from flask_migrate import upgrade

    from kube.core.pdf import render_pdf
    from kube.extensions import db
    from kube.ledger import letters

    app, workdir = throwaway_app()
    static = Path(app.static_folder).resolve()
    rows = []
    with app.app_context():
        upgrade()
        print(f"Issuing {args.letters} letters in {workdir} ...", file=sys.stderr)
        start = time.perf_counter()
        maker, checker, grants = seed(args.letters)
        seeding = time.perf_counter() - start
        grant = grants[0]
        letter, html = first_letter_html(grant)
        direct = weasyprint_direct(html, static)

        def issue_in_savepoint():
            # Number + content + template + render + hash + store, as at handover; undone afterwards.
            savepoint = db.session.begin_nested()
            letters.replace_letter(letters.current_letter(grant.id), "bench", checker)
            savepoint.rollback()

        baseline = timed(direct, args.renders, warmup=2)
        rows.append(("WeasyPrint direct (same HTML, fresh fonts + stylesheet)", baseline))
        rows.append(("Kube helper render_pdf (shared fonts + stylesheet, static-only fetcher)",
                     timed(lambda: render_pdf(html), args.renders, warmup=2)))
        rows.append(("Letter content + template (no PDF)",
                     timed(lambda: letters.render_letter_html(letters.letter_content(grant, letter.number,
                                                                                      letter.token)),
                           args.renders, warmup=2)))
        rows.append(("Issue one letter (number, content, render, SHA-256, store)",
                     timed(issue_in_savepoint, args.renders, warmup=2)))
        sizes = {}
        for fmt in letters.EXPORT_FORMATS:
            def export(fmt=fmt):
                target = io.BytesIO()
                letters.write_export(2025, None, fmt, target)
                sizes[fmt] = target.tell()
            rows.append((f"Bulk export of {args.letters} letters as {fmt.upper()}", timed(export, args.exports, warmup=1)))

    base, base_cpu = baseline.median, baseline.cpu_median
    print()
    print(f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, {platform.machine()}; "
          f"{args.renders} renders per row, {args.exports} exports per format; "
          f"seeding {args.letters} handovers took {seeding:.1f} s")
    print(f"{'step':<74} {'median ms':>9} {'p95 ms':>8} {'x direct':>8} {'CPU ms':>8} {'x direct':>8}")
    for label, timing in rows:
        median, median_cpu = timing.median, timing.cpu_median
        print(f"{label:<74} {median * 1000:>9.1f} {timing.p95 * 1000:>8.1f} {median / base:>8.2f} "
              f"{median_cpu * 1000:>8.1f} {median_cpu / base_cpu:>8.2f}")
    print(f"Export sizes: PDF {sizes['pdf'] / 1e6:.1f} MB, ZIP {sizes['zip'] / 1e6:.1f} MB; "
          f"one letter {len(letter.pdf) / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
