"""Indonesian mobile numbers: one normal form (62 8...), and WhatsApp click-to-chat links that need no gateway."""
from __future__ import annotations

import re
from urllib.parse import quote

#: 62, then a mobile number without its leading 0: 8 and 8 to 11 more digits (0812-3456-789 to 0812-3456-789012).
_MOBILE = re.compile(r"62(8\d{8,11})")
#: What people write between the digits of a phone number.
_SEPARATORS = re.compile(r"[\s.\-()/]")


def normalise_mobile(text: str | None) -> str | None:
    """`08...`, `+62 8...`, `62-8...` or `8...` as `628...`; None when it is not an Indonesian mobile number."""
    digits = _SEPARATORS.sub("", text or "").removeprefix("+")
    if not digits.isdigit():
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits if _MOBILE.fullmatch(digits) else None


def whatsapp_link(phone: str | None, message: str) -> str | None:
    """A wa.me link opening a chat with `phone` and `message` typed in; None when the number is not a mobile one."""
    number = normalise_mobile(phone)
    return f"https://wa.me/{number}?text={quote(message, safe='')}" if number else None
