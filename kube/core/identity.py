"""Indonesian identity numbers (NIK and No. KK): normalising, decoding, checking and masking."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from stdnum import numdb
from stdnum.id import nik as stdnum_nik

from kube.core.clock import office_today
from kube.core.labels import N_

# Kube members are adults, so a birth year that would make someone younger than
# this belongs to the 1900s (DOMAIN: the century is settled by an age window).
ADULT_AGE = 18

# stdnum's region table predates some provinces and uses the older BPS codes for
# Papua (91 Papua Barat, 94 Papua); Dukcapil uses the Kemendagri codes (91 Papua,
# 92 Papua Barat) and has since added Kalimantan Utara (65, 2012) and the 2022
# Papua provinces (93 Selatan, 94 Tengah, 95 Pegunungan, 96 Barat Daya).
_EXTRA_PROVINCE_CODES = frozenset({"65", "91", "92", "93", "94", "95", "96"})

_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")  # ASCII only: str.isdigit() accepts "²" and "٣"


class IdentityError(ValueError):
    """A NIK or No. KK that cannot be right; str(error) is the message for the user, in Indonesian.

    `message` is its catalog msgid and `params` its placeholders, so a caller with a request can show it
    in the reader's language: gettext(error.message, **error.params).
    """

    def __init__(self, message: str, **params: str) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params if params else message)


@dataclass(frozen=True)
class NikInfo:
    """What a NIK encodes: the area of first registration, sex, birth date and serial."""

    nik: str
    region_code: str
    sex: str
    birth_date: date
    serial: str


@dataclass(frozen=True)
class KkInfo:
    """What a No. KK encodes: the issuing area, the date the data was recorded and serial."""

    kk: str
    region_code: str
    recorded_on: date
    serial: str


def normalize_number(value: str | None) -> str:
    """Strip spaces, dots and dashes (as typed or pasted from documents); no other checks."""
    if value is None:
        return ""
    # stdnum's compact also folds Unicode dashes and spaces pasted from Word or PDFs.
    return stdnum_nik.compact(value)


def age_on(birth: date, on: date) -> int:
    """Whole years from `birth` to `on`; 29 February birthdays fall on 1 March in other years."""
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - before_birthday


def parse_nik(value: str, today: date | None = None) -> NikInfo:
    """Check a NIK (PP KK CC DDMMYY SSSS) and decode it; raise IdentityError with the reason."""
    nik = _sixteen_digits(value, "NIK")
    _check_province(nik, "NIK")
    _check_serial(nik, "NIK")
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    # Women's birth days carry +40; 32..40 and 72+ are neither sex's day.
    if 41 <= day <= 71:
        sex, day = "P", day - 40
    elif 1 <= day <= 31:
        sex = "L"
    else:
        raise IdentityError(N_("Tanggal lahir pada NIK tidak valid."))
    birth = _nik_birth_date(day, month, yy, today or office_today())
    return NikInfo(nik=nik, region_code=nik[:6], sex=sex, birth_date=birth, serial=nik[12:])


def parse_kk(value: str, today: date | None = None) -> KkInfo:
    """Check a No. KK (6-digit area, DDMMYY recorded, serial) and decode it; raise IdentityError."""
    kk = _sixteen_digits(value, "No. KK")
    _check_province(kk, "No. KK")
    _check_serial(kk, "No. KK")
    day, month, yy = int(kk[6:8]), int(kk[8:10]), int(kk[10:12])
    today = today or office_today()
    # A card cannot be recorded in the future; otherwise the recent century is likelier.
    for year in (2000 + yy, 1900 + yy):
        recorded = _real_date(year, month, day)
        if recorded is not None and recorded <= today:
            return KkInfo(kk=kk, region_code=kk[:6], recorded_on=recorded, serial=kk[12:])
    raise IdentityError(N_("Tanggal pada No. KK tidak valid."))


def mask_nik(nik: str | None) -> str:
    """Hide a NIK for public pages, keeping the first 4 and last 2 digits: 3673**********01."""
    if not nik:
        return ""
    digits = normalize_number(nik)
    if _SIXTEEN_DIGITS.fullmatch(digits):
        return digits[:4] + "*" * 10 + digits[-2:]
    # Anything else might still be someone's (mistyped) NIK: reveal none of it.
    return "*" * len(digits)


def _nik_birth_date(day: int, month: int, yy: int, today: date) -> date:
    """Settle the century: 20YY only for an adult, else 19YY, else 20YY (only 2000-02-29)."""
    recent = _real_date(2000 + yy, month, day)
    older = _real_date(1900 + yy, month, day)
    # An adult age also rules out a 20YY date in the future.
    if recent is not None and age_on(recent, today) >= ADULT_AGE:
        return recent
    if older is not None and older <= today:
        return older
    # 1900 was not a leap year, so "290200" can only be 29 February 2000, even for a minor.
    if recent is not None and recent <= today:
        return recent
    raise IdentityError(N_("Tanggal lahir pada NIK tidak valid."))


def _real_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when the calendar has no such day."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _sixteen_digits(value: str, label: str) -> str:
    """The normalised number, or IdentityError unless it is exactly 16 ASCII digits."""
    number = normalize_number(value)
    if not _SIXTEEN_DIGITS.fullmatch(number):
        raise IdentityError(N_("%(label)s harus 16 digit angka."), label=label)
    return number


def _check_province(number: str, label: str) -> None:
    """Only the province is checked: old or newly created regencies must still pass."""
    if number[:2] not in _province_codes():
        raise IdentityError(N_("Kode provinsi pada %(label)s (%(code)s) tidak dikenal."), label=label,
                            code=number[:2])


def _check_serial(number: str, label: str) -> None:
    """Serials start at 0001 (stdnum accepts 0000, Dukcapil never issues it)."""
    if number[12:] == "0000":
        raise IdentityError(N_("Nomor urut %(label)s tidak boleh 0000."), label=label)


@cache
def _province_codes() -> frozenset[str]:
    """Two-digit province codes: stdnum's region table plus the provinces it lacks."""
    regions = numdb.get("id/loc")
    # info() gives an empty dict for a prefix that is not in the table.
    known = {code for code in (f"{i:02d}" for i in range(100)) if regions.info(code)[0][1]}
    return frozenset(known | _EXTRA_PROVINCE_CODES)


def compose_nik(region_code: str, birth_date: date, sex: str, serial: int) -> str:
    """Build a NIK from its parts (women's day + 40); used for demo data and tests."""
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{region_code}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial:04d}"


def compose_kk(region_code: str, recorded_on: date, serial: int) -> str:
    """Build a No. KK from its parts; used for demo data and tests."""
    return f"{region_code}{recorded_on.day:02d}{recorded_on.month:02d}{recorded_on.year % 100:02d}{serial:04d}"
