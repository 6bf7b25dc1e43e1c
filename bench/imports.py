"""Time how the member import reads an ordinary workbook and how fast it refuses hostile ones (zip bombs, a million
blank rows, entity expansion, XXE, broken XML).

    .venv/bin/python bench/imports.py                 # about 30 s
    .venv/bin/python bench/imports.py --runs 3 --members 200

Each row times `kube.groups.importer.read_table` on one file with the web import's row limit, as the
import page calls it (no database is touched). The baseline is an ordinary member list of `--members`
rows saved by openpyxl, measured in the same run; every other row is a multiple of it, the figure to
compare between machines. A hostile row that is not refused stops the run.
"""
from __future__ import annotations

import argparse
import io
import platform
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import make_app, timed  # noqa: E402


def ordinary_workbook(members: int) -> bytes:
    """A member list as an officer would save it from Excel: the import's own headings, `members` rows."""
    from openpyxl import Workbook

    from kube.groups.importer import COLUMN_LABELS

    workbook = Workbook()
    sheet = workbook.active
    sheet.append([COLUMN_LABELS[name] for name in ("nik", "kk", "name", "group", "address")])
    for number in range(members):
        sheet.append([f"36730415068{number:05d}", f"36730401020{number:05d}", f"Warga {number}", "KUBE-3673-0001",
                      f"Kp. Baru RT 0{number % 9 + 1}/RW 02"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def hostile_files(secret: Path) -> dict[str, bytes]:
    """The hostile uploads of the security review, built as the tests build them."""
    from tests import workbooks as built

    return {
        "3 million empty rows (zip bomb, refused from the zip's directory)": built.empty_rows_bomb(),
        "50 MB shared string (zip bomb, refused from the zip's directory)": built.long_string_bomb(),
        "one name in row 1,048,576 (a million blank rows streamed, row limit)": built.last_row_only(),
        "billion laughs in the shared strings (defusedxml)": built.xlsx(strings=built.billion_laughs()),
        "XXE entity in the sheet (defusedxml)": built.xlsx(built.xxe_sheet(secret)),
        "broken sheet XML": built.xlsx(built.sheet_xml('<row r="2"><c r="C2"><is><t>Ujang</t></c></row>')),
    }


def main(argv=None) -> int:
    """Command line: build the files, time every read, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed reads per file (median of these)")
    parser.add_argument("--members", type=int, default=1000, help="rows of the ordinary workbook (the baseline)")
    args = parser.parse_args(argv)

    import openpyxl

    from kube.groups import importer

    app = make_app("sqlite://")  # no database is touched: the app gives the messages their language
    secret = Path(tempfile.mkdtemp(prefix="kube-bench-imports-")) / "secret.txt"
    secret.write_text("not to be read")
    ordinary = ordinary_workbook(args.members)
    files = hostile_files(secret)

    def read(data: bytes, refused: bool):
        def call():
            try:
                table = importer.read_table(data, "anggota.xlsx", importer.WEB_MAX_ROWS)
            except importer.ImportFileError:
                if not refused:
                    raise
                return None
            if refused:
                raise SystemExit("a hostile file was read instead of refused")
            return len(table.rows)
        return call

    with app.test_request_context():
        baseline = timed(read(ordinary, refused=False), args.runs)
        rows = [(f"ordinary member list, {args.members} rows ({len(ordinary) // 1024} KB)", len(ordinary), baseline)]
        rows += [(label, len(data), timed(read(data, refused=True), args.runs)) for label, data in files.items()]

    print()
    print(f"Python {platform.python_version()}, openpyxl {openpyxl.__version__}, {platform.machine()}; "
          f"{args.runs} reads per row; web row limit {importer.WEB_MAX_ROWS}")
    print(f"{'file':<72} {'KB':>6} {'median ms':>9} {'p95 ms':>8} {'x ordinary':>10}")
    for label, size, timing in rows:
        print(f"{label:<72} {size / 1024:>6.0f} {timing.median * 1000:>9.1f} {timing.p95 * 1000:>8.1f} "
              f"{timing.median / baseline.median:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
