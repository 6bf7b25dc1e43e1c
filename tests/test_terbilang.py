"""Numbers, amounts and dates in Indonesian words (pure functions, no app)."""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, strategies as st

from kube.core.terbilang import (
    MAX_TERBILANG,
    date_digits,
    date_in_words,
    quantity_in_words,
    rupiah_in_words,
    terbilang,
)

NINES = (
    "sembilan ratus sembilan puluh sembilan triliun "
    "sembilan ratus sembilan puluh sembilan miliar "
    "sembilan ratus sembilan puluh sembilan juta "
    "sembilan ratus sembilan puluh sembilan ribu "
    "sembilan ratus sembilan puluh sembilan"
)

# Written by hand from PUEBI usage, not generated.
KNOWN = [
    (0, "nol"),
    (1, "satu"),
    (7, "tujuh"),
    (9, "sembilan"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (110, "seratus sepuluh"),
    (111, "seratus sebelas"),
    (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1_000, "seribu"),
    (1_001, "seribu satu"),
    (1_100, "seribu seratus"),
    (1_111, "seribu seratus sebelas"),
    (2_000, "dua ribu"),
    (2_024, "dua ribu dua puluh empat"),
    (10_000, "sepuluh ribu"),
    (11_000, "sebelas ribu"),
    (21_000, "dua puluh satu ribu"),
    (100_000, "seratus ribu"),
    (101_000, "seratus satu ribu"),
    (111_111, "seratus sebelas ribu seratus sebelas"),
    (618_721, "enam ratus delapan belas ribu tujuh ratus dua puluh satu"),
    (1_000_000, "satu juta"),
    (1_000_001, "satu juta satu"),
    (1_001_000, "satu juta seribu"),
    (1_001_001, "satu juta seribu satu"),
    (1_021_000, "satu juta dua puluh satu ribu"),
    (1_500_000, "satu juta lima ratus ribu"),
    (5_000_000, "lima juta"),
    (17_500_000, "tujuh belas juta lima ratus ribu"),
    (100_000_000, "seratus juta"),
    (1_000_000_000, "satu miliar"),
    (1_000_001_000, "satu miliar seribu"),
    (1_001_000_000, "satu miliar satu juta"),
    (2_500_000_000, "dua miliar lima ratus juta"),
    (10**12, "satu triliun"),
    (10**12 + 1_000, "satu triliun seribu"),
    (11 * 10**12, "sebelas triliun"),
    (MAX_TERBILANG, NINES),
    (-5, "minus lima"),
    (-1_000, "minus seribu"),
    (-1_001_000, "minus satu juta seribu"),
]


@pytest.mark.parametrize(("n", "words"), KNOWN)
def test_known_values(n, words):
    assert terbilang(n) == words


def test_max_is_999_triliun():
    assert MAX_TERBILANG == 999_999_999_999_999


@pytest.mark.parametrize("n", [MAX_TERBILANG + 1, -MAX_TERBILANG - 1, 10**20])
def test_beyond_triliun_is_refused(n):
    with pytest.raises(ValueError):
        terbilang(n)


@pytest.mark.parametrize("value", [True, False, 1.0, 2.5, "5", None])
def test_non_integers_are_refused(value):
    with pytest.raises(TypeError):
        terbilang(value)  # type: ignore[arg-type]


# --- an independent reading of the words, to check terbilang by its inverse --------

UNITS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5,
         "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9}
SCALES = {"triliun": 10**12, "miliar": 10**9, "juta": 10**6, "ribu": 10**3}


def read_below_thousand(tokens: list[str]) -> int:
    """1..999 in strict Indonesian: no "satu ratus", "satu puluh" or "satu belas"."""
    value, rest = 0, tokens
    if rest[:1] == ["seratus"]:
        value, rest = 100, rest[1:]
    elif len(rest) >= 2 and rest[1] == "ratus" and UNITS.get(rest[0], 0) >= 2:
        value, rest = 100 * UNITS[rest[0]], rest[2:]
    if rest == []:
        pass
    elif rest == ["sepuluh"]:
        value += 10
    elif rest == ["sebelas"]:
        value += 11
    elif len(rest) == 2 and rest[1] == "belas" and UNITS.get(rest[0], 0) >= 2:
        value += 10 + UNITS[rest[0]]
    elif 2 <= len(rest) <= 3 and rest[1] == "puluh" and UNITS.get(rest[0], 0) >= 2:
        value += 10 * UNITS[rest[0]] + (UNITS[rest[2]] if len(rest) == 3 else 0)
    elif len(rest) == 1 and rest[0] in UNITS:
        value += UNITS[rest[0]]
    else:
        raise ValueError(f"not a number below a thousand: {tokens}")
    if value == 0:
        raise ValueError(f"empty group: {tokens}")
    return value


def words_to_int(words: str) -> int:
    """Read terbilang's output back, rejecting anything not written the standard way."""
    tokens = words.split(" ")
    sign = 1
    if tokens[0] == "minus":
        sign, tokens = -1, tokens[1:]
    if tokens == ["nol"]:
        return 0
    total, group, last_scale = 0, [], 10**15
    for token in tokens:
        scale = 1_000 if token == "seribu" else SCALES.get(token)
        if scale is None:
            group.append(token)
            continue
        if scale >= last_scale:
            raise ValueError(f"units out of order in {words!r}")
        if token == "seribu":
            if group:
                raise ValueError(f"words before seribu in {words!r}")
            count = 1
        else:
            count = read_below_thousand(group)
            if token == "ribu" and count == 1:
                raise ValueError(f"'satu ribu' instead of 'seribu' in {words!r}")
        total += count * scale
        group, last_scale = [], scale
    if group:
        total += read_below_thousand(group)
    return sign * total


def test_the_reader_rejects_non_standard_words():
    for wrong in ["satu ratus", "satu puluh", "satu belas", "satu juta satu ribu",
                  "seribu juta", "dua ribu tiga juta", "nol satu"]:
        with pytest.raises(ValueError):
            words_to_int(wrong)


# Groups rich in 0, 1, 10, 11 and 100 reach the "seribu"/"sebelas" corners
# that uniformly random integers almost never hit.
CORNER_GROUPS = st.sampled_from([0, 0, 1, 1, 2, 10, 11, 12, 20, 21, 100, 101, 110, 111, 999])
CORNERS = st.lists(CORNER_GROUPS, min_size=5, max_size=5).map(
    lambda groups: int("".join(f"{g:03d}" for g in groups))
)
ANY = st.integers(min_value=-MAX_TERBILANG, max_value=MAX_TERBILANG) | CORNERS


@given(ANY)
def test_words_read_back_to_the_number(n):
    assert words_to_int(terbilang(n)) == n


@given(ANY)
def test_words_are_clean_lower_case(n):
    words = terbilang(n)
    assert words == words.strip() == words.lower()
    assert "  " not in words
    for wrong in ("satu ratus", "satu puluh", "satu belas", "nol "):
        assert wrong not in words
    # "satu ribu" is right only inside a group ("dua puluh satu ribu", "seratus satu ribu").
    assert not re.search(r"(^|juta |miliar |triliun |minus )satu ribu", words)


def test_every_number_below_two_thousand_reads_back():
    for n in range(2_000):
        assert words_to_int(terbilang(n)) == n


# --- amounts and quantities --------------------------------------------------------

def test_rupiah_in_words():
    assert rupiah_in_words(17_500_000) == "tujuh belas juta lima ratus ribu rupiah"
    assert rupiah_in_words(1_001_000) == "satu juta seribu rupiah"
    assert rupiah_in_words(0) == "nol rupiah"


@pytest.mark.parametrize(("qty", "unit", "words"), [
    (2, "unit", "dua (2) unit"),
    (1, "paket", "satu (1) paket"),
    (12, " buah ", "dua belas (12) buah"),
    (1_500, "kg", "seribu lima ratus (1.500) kg"),
    (3, "", "tiga (3)"),
])
def test_quantity_in_words(qty, unit, words):
    assert quantity_in_words(qty, unit) == words


def test_quantity_cannot_be_negative_or_fractional():
    with pytest.raises(ValueError):
        quantity_in_words(-1, "unit")
    with pytest.raises(TypeError):
        quantity_in_words(1.5, "unit")  # type: ignore[arg-type]


# --- dates -------------------------------------------------------------------------

@pytest.mark.parametrize(("d", "words", "digits"), [
    (date(2024, 8, 28),
     "Rabu tanggal dua puluh delapan bulan Agustus tahun dua ribu dua puluh empat", "28-08-2024"),
    (date(2024, 8, 26),
     "Senin tanggal dua puluh enam bulan Agustus tahun dua ribu dua puluh empat", "26-08-2024"),
    (date(2025, 1, 1),
     "Rabu tanggal satu bulan Januari tahun dua ribu dua puluh lima", "01-01-2025"),
    (date(2000, 2, 29),
     "Selasa tanggal dua puluh sembilan bulan Februari tahun dua ribu", "29-02-2000"),
    (date(2023, 12, 31),
     "Minggu tanggal tiga puluh satu bulan Desember tahun dua ribu dua puluh tiga", "31-12-2023"),
    (date(2024, 11, 15),
     "Jumat tanggal lima belas bulan November tahun dua ribu dua puluh empat", "15-11-2024"),
    (date(2026, 3, 11),
     "Rabu tanggal sebelas bulan Maret tahun dua ribu dua puluh enam", "11-03-2026"),
])
def test_dates(d, words, digits):
    assert date_in_words(d) == words
    assert date_digits(d) == digits


def test_date_digits_pads_early_years():
    assert date_digits(date(5, 1, 2)) == "02-01-0005"


def test_day_and_month_names_are_indonesian_whatever_the_week():
    monday = date(2024, 8, 26)
    days = [date_in_words(date.fromordinal(monday.toordinal() + i)).split()[0] for i in range(7)]
    assert days == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
    months = [date_in_words(date(2024, month, 1)).split(" bulan ")[1].split(" tahun")[0] for month in range(1, 13)]
    assert months == ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
                      "Oktober", "November", "Desember"]
