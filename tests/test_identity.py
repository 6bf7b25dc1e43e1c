"""NIK and No. KK parsing, the century window, and masking (pure functions, no app)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, strategies as st
from stdnum.id import nik as stdnum_nik

from kube.core.identity import (
    IdentityError,
    KkInfo,
    NikInfo,
    age_on,
    mask_nik,
    normalize_number,
    parse_kk,
    parse_nik,
)

TODAY = date(2025, 6, 1)


def nik(day: str, month: str, yy: str, serial: str = "0001", area: str = "367301") -> str:
    """Build a NIK from its parts, so each test says which part it is about."""
    return f"{area}{day}{month}{yy}{serial}"


# --- valid NIKs ---------------------------------------------------------------

def test_man_is_decoded():
    info = parse_nik("3673011708850001", today=TODAY)
    assert info == NikInfo(
        nik="3673011708850001",
        region_code="367301",
        sex="L",
        birth_date=date(1985, 8, 17),
        serial="0001",
    )


def test_woman_has_day_plus_forty():
    info = parse_nik("3673015708850002", today=TODAY)
    assert info.sex == "P"
    assert info.birth_date == date(1985, 8, 17)


@pytest.mark.parametrize(("day", "sex", "born"), [
    ("01", "L", 1), ("31", "L", 31), ("41", "P", 1), ("71", "P", 31),
])
def test_day_range_edges(day, sex, born):
    info = parse_nik(nik(day, "01", "90"), today=TODAY)
    assert (info.sex, info.birth_date) == (sex, date(1990, 1, born))


@pytest.mark.parametrize("written", [
    "3673 0117 0885 0001",
    "3673.01.170885.0001",
    "3673-01-170885-0001",
    "  3673011708850001\n",
    "36.73.01 170885-0001",
    "3673\u201301\u2013170885\u20130001",  # en dashes pasted from a word processor
])
def test_separators_are_accepted(written):
    assert parse_nik(written, today=TODAY).nik == "3673011708850001"


@pytest.mark.parametrize("area", [
    "360401", "317301", "327101", "110101", "650101", "940101", "960101",
])
def test_any_known_province_is_accepted(area):
    # Kota Serang residents may carry Kabupaten Serang's 3604 or any other area.
    assert parse_nik(nik("17", "08", "85", area=area), today=TODAY).region_code == area


def test_province_missing_from_stdnum_is_accepted():
    # Kalimantan Utara (65, since 2012) is absent from stdnum's table.
    number = nik("17", "08", "85", area="657101")
    assert not stdnum_nik.is_valid(number)
    assert parse_nik(number, today=TODAY).region_code == "657101"


def test_default_today_is_used():
    assert parse_nik("3673011708850001").birth_date == date(1985, 8, 17)


# --- invalid NIKs -------------------------------------------------------------

@pytest.mark.parametrize("written", [
    "", "   ", "367301170885000", "36730117088500011", "3673011708850001 2",
])
def test_wrong_length(written):
    with pytest.raises(IdentityError, match="NIK harus 16 digit angka"):
        parse_nik(written, today=TODAY)


@pytest.mark.parametrize("written", [
    "3673O11708850001",          # letter O for zero
    "367301170885000l",          # letter l for one
    "3673\u066101708850001",     # an Arabic-Indic digit passes str.isdigit()
    "3673/01/170885/0001",       # slashes are not separators
])
def test_letters_and_other_characters(written):
    with pytest.raises(IdentityError, match="NIK harus 16 digit angka"):
        parse_nik(written, today=TODAY)


def test_none_is_an_identity_error():
    with pytest.raises(IdentityError):
        parse_nik(None, today=TODAY)  # type: ignore[arg-type]


def test_serial_0000():
    with pytest.raises(IdentityError, match="Nomor urut NIK tidak boleh 0000"):
        parse_nik(nik("17", "08", "85", serial="0000"), today=TODAY)


@pytest.mark.parametrize("area", ["991234", "001234", "201234", "551234"])
def test_unknown_province(area):
    with pytest.raises(IdentityError, match=r"Kode provinsi pada NIK \(\d\d\) tidak dikenal"):
        parse_nik(nik("17", "08", "85", area=area), today=TODAY)


@pytest.mark.parametrize(("day", "month"), [
    ("00", "08"), ("32", "08"), ("40", "08"), ("72", "08"), ("80", "08"),
    ("81", "08"),  # stdnum reads 81 as day 1 (81 % 40)
    ("17", "00"), ("17", "13"),
    ("31", "04"), ("71", "04"),  # 31 April, for men and women
    ("30", "02"), ("70", "02"),
])
def test_impossible_birth_dates(day, month):
    with pytest.raises(IdentityError, match="Tanggal lahir pada NIK tidak valid"):
        parse_nik(nik(day, month, "85"), today=TODAY)


def test_identity_error_is_a_value_error_with_a_user_message():
    with pytest.raises(ValueError) as caught:
        parse_nik("123", today=TODAY)
    assert isinstance(caught.value, IdentityError)
    assert str(caught.value) == "NIK harus 16 digit angka."


# --- century window and 29 February ---------------------------------------------

def test_twenty_yy_when_adult():
    assert parse_nik(nik("17", "08", "05"), today=TODAY).birth_date == date(2005, 8, 17)


def test_eighteen_today_is_twenty_yy():
    assert parse_nik(nik("01", "06", "07"), today=TODAY).birth_date == date(2007, 6, 1)


def test_aged_seventeen_by_twenty_yy_is_nineteen_yy():
    # 2 June 2007 would be 17 on 1 June 2025: the window says 1907.
    assert parse_nik(nik("02", "06", "07"), today=TODAY).birth_date == date(1907, 6, 2)
    woman = parse_nik(nik("42", "06", "07"), today=TODAY)
    assert (woman.sex, woman.birth_date) == ("P", date(1907, 6, 2))


def test_future_twenty_yy_is_nineteen_yy():
    assert parse_nik(nik("01", "01", "26"), today=TODAY).birth_date == date(1926, 1, 1)
    assert parse_nik(nik("31", "12", "99"), today=TODAY).birth_date == date(1999, 12, 31)


def test_29_february_2000():
    info = parse_nik(nik("29", "02", "00"), today=TODAY)
    assert info.birth_date == date(2000, 2, 29)
    assert parse_nik(nik("69", "02", "00"), today=TODAY).sex == "P"


@pytest.mark.parametrize("today", [date(2010, 1, 1), date(2018, 2, 28)])
def test_29_february_2000_for_a_minor(today):
    # 1900-02-29 never existed, so the window cannot move a minor to the 1900s.
    assert parse_nik(nik("29", "02", "00"), today=today).birth_date == date(2000, 2, 29)


def test_29_february_2000_before_it_happened():
    with pytest.raises(IdentityError, match="Tanggal lahir pada NIK tidak valid"):
        parse_nik(nik("29", "02", "00"), today=date(2000, 2, 28))


def test_29_february_in_leap_years_of_both_centuries():
    assert parse_nik(nik("29", "02", "04"), today=TODAY).birth_date == date(2004, 2, 29)
    assert parse_nik(nik("29", "02", "04"), today=date(2020, 1, 1)).birth_date == date(1904, 2, 29)


@pytest.mark.parametrize("yy", ["01", "85", "99"])
def test_29_february_in_a_non_leap_year(yy):
    with pytest.raises(IdentityError, match="Tanggal lahir pada NIK tidak valid"):
        parse_nik(nik("29", "02", yy), today=TODAY)


@given(
    born=st.dates(min_value=date(1926, 6, 2), max_value=date(2007, 6, 1)),  # aged 18..98 on TODAY
    woman=st.booleans(),
    serial=st.integers(1, 9999),
)
def test_adults_round_trip(born, woman, serial):
    day = born.day + 40 if woman else born.day
    number = nik(f"{day:02d}", f"{born.month:02d}", f"{born.year % 100:02d}", f"{serial:04d}")
    info = parse_nik(number, today=TODAY)
    assert info.birth_date == born
    assert info.sex == ("P" if woman else "L")
    assert 18 <= age_on(info.birth_date, TODAY) < 100


BANTEN_NIKS = r"36[0-9]{2}0[1-9](0[1-9]|[1-6][0-9]|7[01])(0[1-9]|1[0-2])[0-9]{2}[0-9]{3}[1-9]"


@given(st.from_regex(BANTEN_NIKS, fullmatch=True))
def test_agrees_with_stdnum_up_to_the_century(number):
    try:
        info = parse_nik(number, today=TODAY)
    except IdentityError:
        assert not stdnum_nik.is_valid(number)
        return
    assert stdnum_nik.is_valid(number)
    theirs = stdnum_nik.get_birth_date(number)
    assert info.birth_date.year - theirs.year in (0, 100)
    assert (info.birth_date.month, info.birth_date.day) == (theirs.month, theirs.day)


# --- No. KK ---------------------------------------------------------------------

def test_kk_is_decoded():
    assert parse_kk("3673012003150007", today=TODAY) == KkInfo(
        kk="3673012003150007",
        region_code="367301",
        recorded_on=date(2015, 3, 20),
        serial="0007",
    )


def test_kk_with_separators_and_another_area():
    assert parse_kk("3604.05 200315-0007", today=TODAY).region_code == "360405"


def test_kk_future_twenty_yy_is_nineteen_yy():
    assert parse_kk("3673010101300001", today=TODAY).recorded_on == date(1930, 1, 1)


def test_kk_today_is_not_the_future():
    assert parse_kk("3673010106250001", today=TODAY).recorded_on == date(2025, 6, 1)


@pytest.mark.parametrize(("written", "reason"), [
    ("367301200315000", "No. KK harus 16 digit angka"),
    ("36730120031500071", "No. KK harus 16 digit angka"),
    ("36730120O3150007", "No. KK harus 16 digit angka"),
    ("3673012003150000", "Nomor urut No. KK tidak boleh 0000"),
    ("9973012003150007", r"Kode provinsi pada No\. KK \(99\) tidak dikenal"),
    ("3673016003150007", "Tanggal pada No. KK tidak valid"),  # no +40 rule on a KK
    ("3673013102150007", "Tanggal pada No. KK tidak valid"),
    ("3673012913150007", "Tanggal pada No. KK tidak valid"),
    ("3673012902150007", "Tanggal pada No. KK tidak valid"),
])
def test_kk_invalid(written, reason):
    with pytest.raises(IdentityError, match=reason):
        parse_kk(written, today=TODAY)


def test_kk_29_february_2000():
    assert parse_kk("3673012902000001", today=TODAY).recorded_on == date(2000, 2, 29)


# --- helpers --------------------------------------------------------------------

def test_normalize_number():
    assert normalize_number(" 36.73-01 170885 0001 ") == "3673011708850001"
    assert normalize_number("abc-1") == "abc1"  # normalises, does not validate
    assert normalize_number(None) == ""


@pytest.mark.parametrize(("birth", "on", "age"), [
    (date(1985, 8, 17), date(2025, 8, 16), 39),
    (date(1985, 8, 17), date(2025, 8, 17), 40),
    (date(2000, 2, 29), date(2018, 2, 28), 17),
    (date(2000, 2, 29), date(2018, 3, 1), 18),
    (date(2000, 2, 29), date(2020, 2, 29), 20),
    (date(2025, 6, 2), date(2025, 6, 1), -1),
])
def test_age_on(birth, on, age):
    assert age_on(birth, on) == age


@pytest.mark.parametrize(("given_nik", "masked"), [
    ("3673011708850001", "3673**********01"),
    ("3673 0117 0885 0001", "3673**********01"),
    ("3604015708850012", "3604**********12"),
    (None, ""),
    ("", ""),
    ("12345", "*****"),
    ("36730117088500011", "*****************"),
])
def test_mask_nik(given_nik, masked):
    assert mask_nik(given_nik) == masked


def test_mask_nik_hides_the_birth_date_and_keeps_sixteen_characters():
    masked = mask_nik("3673015708850002")
    assert len(masked) == 16
    assert "570885" not in masked
