"""The one Rupiah parser: what people type as an amount, for every form and the API.

One rule everywhere: whole Rupiah in ASCII digits, optionally grouped by dots in threes and
led by `Rp` (`1500000`, `1.500.000`, `Rp 1.500.000`, `Rp1.500.000`, `Rp. 1.500.000`).
Decimals (`1,5`), misplaced dots (`1.50.000`), signs, other scripts' digits (`٣`) and
superscripts (`²`) are refused, always with the same message, so a leader on the report form
and an officer on the grant form are told the same thing.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

#: Rp, Rp. or rp, then whole Rupiah: plain digits or dot-grouped threes (ASCII only: \d would take "٣").
_AMOUNT = re.compile(r"(?:[Rr][Pp]\.?)?([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)")
#: Beyond any amount Kube holds (BIGINT), and far below what would make int() slow.
MAX_DIGITS = 18

AMOUNT_MESSAGE = _l("Tulis jumlah Rupiah dengan angka bulat, misalnya 1.500.000 (tanpa koma, desimal atau tanda minus).")


class AmountError(ValueError):
    """Text that is not a whole Rupiah amount; str() is the message for the person who typed it."""

    def __init__(self):
        super().__init__(str(AMOUNT_MESSAGE))


def parse_rupiah(text: str | None) -> int | None:
    """Whole Rupiah from typed text, None when nothing was typed; AmountError for anything else."""
    # Spaces (also no-break spaces pasted from documents) may stand anywhere: "Rp 1 500 000".
    cleaned = re.sub(r"\s+", "", text or "")
    if not cleaned:
        return None
    match = _AMOUNT.fullmatch(cleaned)
    digits = match.group(1).replace(".", "") if match else ""
    if not digits or len(digits) > MAX_DIGITS:
        raise AmountError()
    return int(digits)
