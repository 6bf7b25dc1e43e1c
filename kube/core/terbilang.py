"""Numbers, amounts and dates in Indonesian words (terbilang) for letters such as the BAST.

Pure functions (num2words and Babel, no Flask): letters are official Indonesian documents, so the
words are always Indonesian, whatever the reader's interface language.
"""
from __future__ import annotations

import re
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from num2words import num2words

#: Letters are written in Indonesian (Babel's `id`: Senin..Minggu, Januari..Desember, dots group thousands).
LETTER_LOCALE = "id"

# Up to 999 triliun: beyond that num2words uses kuadriliun and the like, which no
# Rupiah amount in Kube reaches and which readers of a letter would not expect.
MAX_TERBILANG = 10**15 - 1

# num2words (0.5.14) writes a lone thousand after a larger unit as "satu ribu"
# (1.001.000 -> "satu juta satu ribu"); Indonesian says "seribu" there too.
# "dua puluh satu ribu" stays: only a group of exactly one follows a unit word.
_LONE_THOUSAND = re.compile(r"\b(juta|miliar|triliun) satu ribu\b")


def terbilang(n: int) -> str:
    """An integer in lower-case Indonesian words: 17500000 -> "tujuh belas juta lima ratus ribu"."""
    # bool is an int subclass, but True in a letter is a bug, not "satu".
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"terbilang() needs an int, not {type(n).__name__}")
    if abs(n) > MAX_TERBILANG:
        raise ValueError(f"terbilang() handles at most {MAX_TERBILANG} in absolute value, not {n}")
    if n < 0:
        # num2words says "min"; written Indonesian says "minus".
        return "minus " + terbilang(-n)
    words = " ".join(num2words(n, lang="id").split())
    return _LONE_THOUSAND.sub(r"\1 seribu", words)


def rupiah_in_words(amount: int) -> str:
    """A whole Rupiah amount in words: "tujuh belas juta lima ratus ribu rupiah"."""
    return f"{terbilang(amount)} rupiah"


def quantity_in_words(qty: int, unit: str) -> str:
    """A quantity in words and digits, as in the BAST item table: "dua (2) unit"."""
    words = terbilang(qty)  # first, so a non-int is a TypeError as everywhere here
    if qty < 0:
        raise ValueError("a quantity handed over cannot be negative")
    digits = format_decimal(qty, locale=LETTER_LOCALE)  # PUEBI: dots group thousands
    return f"{words} ({digits}) {unit.strip()}".rstrip()


def date_in_words(d: date) -> str:
    """A date spelled out for a letter: "Rabu tanggal dua puluh delapan bulan Agustus tahun ..."."""
    return (
        f"{format_date(d, 'EEEE', locale=LETTER_LOCALE)} tanggal {terbilang(d.day)} "
        f"bulan {format_date(d, 'MMMM', locale=LETTER_LOCALE)} tahun {terbilang(d.year)}"
    )


def date_digits(d: date) -> str:
    """A date as DD-MM-YYYY, the digits that follow date_in_words: "28-08-2024"."""
    # Formatted by hand: strftime("%Y") does not zero-pad years before 1000 everywhere.
    return f"{d.day:02d}-{d.month:02d}-{d.year:04d}"
