"""Control characters: which ones text input may not hold, and which ones a stored text cannot take into XML."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

#: Any control character, as a regex class body: nothing typed into a one-line field has one (NUL above all,
#: which PostgreSQL refuses). Also the API's documented pattern, so it is written in escapes both read.
ONE_LINE_CONTROL_CHARACTERS = r"\x00-\x1f\x7f"
#: Control characters other than tab and line breaks: what a text area may not hold either.
MULTI_LINE_CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
ONE_LINE_CONTROL = re.compile(f"[{ONE_LINE_CONTROL_CHARACTERS}]")
MULTI_LINE_CONTROL = re.compile(f"[{MULTI_LINE_CONTROL_CHARACTERS}]")
#: What XML 1.0 (and so an XLSX cell) cannot hold: the controls above, lone surrogates, U+FFFE and U+FFFF.
_NOT_IN_XML = re.compile(f"[{MULTI_LINE_CONTROL_CHARACTERS}\ud800-\udfff\ufffe\uffff]")

#: The refusal of a control character, the same words for forms and the API.
CONTROL_MESSAGE = _l("Tidak boleh berisi karakter kendali (misalnya NUL).")


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """True when `text` holds a control character; `multiline=True` allows tabs and line breaks."""
    return bool((MULTI_LINE_CONTROL if multiline else ONE_LINE_CONTROL).search(text))


def xml_safe(text: str) -> str:
    """`text` with every character XML cannot hold replaced by a space (a vertical tab separated words)."""
    return _NOT_IN_XML.sub(" ", text)
