"""The form an administrator fills to see what Kube holds about a person: their NIK."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import ValidationError

from kube.core.forms import REQUIRED, KubeForm, max_length
from kube.core.identity import IdentityError
from kube.groups.operations import identity_message
from kube.privacy.report import checked_nik


class PersonReportForm(KubeForm):
    """A NIK, typed with or without separators; posted, so it never appears in a URL or a server log."""

    nik = StringField(_l("NIK"), validators=[REQUIRED, max_length(40)],
                      description=_l("16 angka; spasi, titik atau tanda hubung boleh."),
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    submit = SubmitField(_l("Tampilkan data"))

    #: Why the NIK rules refuse a 16-digit NIK (looked up anyway), shown with the answer; None otherwise.
    nik_problem: str | None = None

    def validate_nik(self, field) -> None:
        """Keep the NIK as stored (digits only); refuse anything that is not 16 digits."""
        try:
            field.data, problem = checked_nik(field.data)
        except IdentityError as error:
            raise ValidationError(identity_message(error)) from None
        self.nik_problem = identity_message(problem) if problem else None
