"""Language selection: Bahasa Indonesia by default, English when a user chooses it."""
from __future__ import annotations

from flask import current_app, request, session
from flask_login import current_user

from kube.core.formatting import FORMAT_LOCALES


def select_language() -> str:
    """The user's chosen language, then the session's, then Indonesian: `id` or `en`."""
    languages = current_app.config["LANGUAGES"]
    if request and getattr(current_user, "is_authenticated", False):
        if current_user.locale in languages:
            return current_user.locale
    chosen = session.get("locale") if request else None
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_locale() -> str:
    """Babel's locale for this request: `id`, or `en_ID` (English with Indonesian amounts and dates)."""
    return FORMAT_LOCALES[select_language()]
