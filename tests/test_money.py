"""The one Rupiah parser (kube.core.money): the same rule and the same message for every form and the API."""
from __future__ import annotations

import pytest

from kube.core.forms import RupiahField
from kube.core.money import AMOUNT_MESSAGE, AmountError, parse_rupiah


@pytest.mark.parametrize("typed, amount", [
    ("1500000", 1_500_000), ("1.500.000", 1_500_000), ("Rp 1.500.000", 1_500_000), ("Rp1.500.000", 1_500_000),
    ("rp1.500.000", 1_500_000), ("Rp. 1.500.000", 1_500_000), ("Rp\u00a01.500.000", 1_500_000),
    (" 1 500 000 ", 1_500_000), ("0", 0), ("999", 999), ("1.000", 1_000), ("12.345.678.901", 12_345_678_901),
])
def test_accepts_whole_rupiah_as_people_type_it(typed, amount):
    assert parse_rupiah(typed) == amount


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_nothing_typed_is_no_amount(typed):
    assert parse_rupiah(typed) is None


@pytest.mark.parametrize("typed", [
    "1,5", "1.500.000,00", "1.5", "15.00", "1.50.000", "1.500.0000", ".500", "1.", "-50.000", "Rp -50.000",
    "-Rp5.000", "+5000", "١٥٠٠", "٣", "２０００", "2²", "²", "abc", "1e6", "Rp", "Rp.", "1_000", "9" * 19,
])
def test_refuses_everything_else_with_the_one_message(app, typed):
    with pytest.raises(AmountError) as refused:
        parse_rupiah(typed)
    assert str(refused.value) == str(AMOUNT_MESSAGE)
    assert "1.500.000" in str(refused.value)


def test_the_form_field_keeps_what_was_typed_and_shows_the_message(app):
    from kube.core.forms import KubeForm

    class AmountForm(KubeForm):
        class Meta:
            csrf = False

        amount = RupiahField("Jumlah")

    with app.test_request_context(method="POST", data={"amount": "1,5"}):
        form = AmountForm()
        assert not form.validate()
        assert form.amount.errors == [str(AMOUNT_MESSAGE)]
        assert form.amount._value() == "1,5"
    with app.test_request_context(method="POST", data={"amount": "Rp 2.000.000"}):
        form = AmountForm()
        assert form.validate() and form.amount.data == 2_000_000
    with app.test_request_context():
        assert AmountForm(amount=2_000_000).amount._value() == "2.000.000"
