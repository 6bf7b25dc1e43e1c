"""Grant letter pages: a grant's letters, downloads, replacement, the letter list with bulk export, public verification."""
from __future__ import annotations

import tempfile

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kube.auth.permissions import allowed, login_required, public
from kube.auth.roles import can_correct_letters, can_record_history, can_see_all_groups
from kube.core.clock import office_today
from kube.core.pagination import paginate
from kube.core.transaction import attempt
from kube.extensions import csrf, db
from kube.ledger import bp, history, letters
from kube.ledger.access import pdf_response, visible_grant, visible_letter
from kube.ledger.forms import LetterScanForm, ReplaceLetterForm
from kube.ledger.labels import PROGRAM_LABELS
from kube.ledger.models import PROGRAMS, Letter, LetterSequence

EXPORT_MEDIA_TYPES = {"pdf": "application/pdf", "zip": "application/zip"}
#: Room for the multipart envelope around a scan of the largest size kept.
MULTIPART_ROOM = 64 * 1024


# -- one grant's letters ----------------------------------------------------------------------

@bp.route("/grants/<int:grant_id>/letters")
@login_required
def grant_letters(grant_id: int):
    """A grant's letter and any letters it replaced, with downloads, verification links and correction."""
    grant = visible_grant(grant_id)
    history = letters.grant_letters(grant.id)
    return render_template("letters/grant.html", grant=grant, history=history,
                           can_replace=can_correct_letters(current_user),
                           has_grant_page="ledger.grant_detail" in current_app.view_functions)


@bp.route("/grants/<int:grant_id>/letter.pdf")
@login_required
def grant_letter_pdf(grant_id: int):
    """The grant's letter in force, exactly as issued."""
    grant = visible_grant(grant_id)
    letter = letters.current_letter(grant.id)
    if letter is None:
        abort(404)
    return pdf_response(letter)


@bp.route("/letters/<int:letter_id>.pdf")
@login_required
def letter_pdf(letter_id: int):
    """One letter (also a replaced one), exactly as issued."""
    return pdf_response(visible_letter(letter_id))


@bp.route("/letters/<int:letter_id>/replace", methods=["GET", "POST"])
@allowed(can_correct_letters)
def letter_replace(letter_id: int):
    """Confirm, with a reason, and issue a corrected letter with a new number; the old one stays, marked replaced."""
    letter = visible_letter(letter_id)
    form = ReplaceLetterForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            new = letters.replace_letter(letter, form.reason.data, current_user._get_current_object())
        if outcome.ok:
            flash(_("Surat %(old)s diganti dengan surat nomor %(new)s.", old=letter.number, new=new.number), "success")
            return redirect(url_for("ledger.grant_letters", grant_id=letter.grant_id))
    replacement = db.session.scalar(select(Letter).where(Letter.replaces_id == letter.id))
    return render_template("letters/replace.html", form=form, letter=letter, replacement=replacement)


@bp.route("/grants/<int:grant_id>/letter-scan", methods=["POST"])
# The app-wide CSRF check would read the body under the app's upload limit, smaller than a scan may
# be; this view raises the limit for itself first, then checks the token the same way.
@csrf.exempt
@allowed(can_record_history)
def grant_letter_scan(grant_id: int):
    """Keep the uploaded scan of a historical grant's paper letter (PDF), then show the grant."""
    request.max_content_length = history.SCAN_MAX_BYTES + MULTIPART_ROOM
    if current_app.config["WTF_CSRF_ENABLED"]:
        csrf.protect()
    grant = visible_grant(grant_id)
    form = LetterScanForm()
    if form.validate_on_submit():
        data = form.scan.data.read(history.SCAN_MAX_BYTES + 1)
        with attempt() as outcome:
            letter = history.attach_letter_scan(grant, data, current_user._get_current_object())
        if outcome.ok:
            flash(_("Pindaian berita acara %(n)s disimpan (SHA-256 %(h)s).", n=letter.number, h=letter.sha256),
                  "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("ledger.grant_detail", grant_id=grant.id))


# -- the list and bulk export -----------------------------------------------------------------

def _letter_years() -> list[int]:
    # A scan whose number follows no pattern has a year but no sequence row.
    years = select(LetterSequence.year).union(select(Letter.year)).subquery()
    return list(db.session.scalars(select(years.c.year).order_by(years.c.year.desc())))


def _filters(years: list[int]) -> tuple[int, str, list[str]]:
    """The year and program asked for, with a message for each value that makes no sense."""
    errors = []
    default_year = years[0] if years else office_today().year
    raw_year = request.args.get("year", "").strip()
    year = default_year
    if raw_year:
        if raw_year.isdigit() and 2000 <= int(raw_year) <= 2100:
            year = int(raw_year)
        else:
            errors.append(_("Tahun harus angka antara 2000 dan 2100."))
    program = request.args.get("program", "").strip()
    if program and program not in PROGRAMS:
        errors.append(_("Program tidak dikenal."))
        program = ""
    return year, program, errors


@bp.route("/letters")
@allowed(can_see_all_groups)
def letters_index():
    """Issued letters of one year (and program), paginated, with the bulk export for officers."""
    years = _letter_years()
    year, program, errors = _filters(years)
    page = paginate(letters.letters_query(year, program or None)
                    .options(selectinload(Letter.replaced_by), selectinload(Letter.replaces)))
    return render_template("letters/index.html", page=page, years=years, year=year, program=program, errors=errors,
                           programs=PROGRAM_LABELS, can_export=can_correct_letters(current_user)), 400 if errors else 200


@bp.route("/letters/export")
@allowed(can_correct_letters)
def letters_export():
    """Every issued letter of the chosen year (and program) as one PDF or a ZIP of the stored files."""
    year, program, errors = _filters(_letter_years())
    fmt = request.args.get("fmt", "zip")
    if fmt not in letters.EXPORT_FORMATS:
        errors.append(_("Format unduhan harus PDF atau ZIP."))
    if not errors and letters.count_letters(year, program or None) == 0:
        errors.append(_("Tidak ada berita acara untuk tahun %(y)d dengan pilihan ini.", y=year))
    if errors:
        for error in errors:
            flash(error, "error")
        return redirect(url_for("ledger.letters_index", year=year, program=program or None))
    # Spooled: small exports stay in memory, a whole year's go to a temporary file.
    target = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    letters.write_export(year, program or None, fmt, target)
    target.seek(0)
    name = f"berita-acara-{year}{'-' + program if program else ''}.{fmt}"
    return send_file(target, mimetype=EXPORT_MEDIA_TYPES[fmt], as_attachment=True, download_name=name)


# -- public verification ----------------------------------------------------------------------

@bp.route("/verify/<token>")
@public
def verify_letter(token: str):
    """Anyone holding the letter can check it: number, date, group, items, total, SHA-256, valid or replaced."""
    letter = letters.letter_for_token(token)
    if letter is None:
        return render_template("letters/verify.html", facts=None), 404
    replacement = letter.replaced_by
    # Only the public facts and dates go to the template: nothing that leads to a person's data.
    return render_template("letters/verify.html", facts=letters.verification_facts(letter), programs=PROGRAM_LABELS,
                           letter_date=letter.letter_date,
                           replaced_on=replacement.letter_date if replacement else None,
                           replacement_token=replacement.token if replacement else None)
