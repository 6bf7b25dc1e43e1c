"""English is complete: every message extracted from the code has a checked English translation.

The messages are extracted exactly as scripts/update-translations.sh does (its own `pybabel extract`
line, babel.cfg and keywords), into a temporary catalog, and compared with the English catalog.
"""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "update-translations.sh"
ENGLISH = ROOT / "kube" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
#: A printf-style placeholder: %(name)s, %d, %.1f ... (not %%).
PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?(?P<type>[diouxXeEfFgGcrsa])")


def _extract_arguments(output: Path) -> list[str]:
    """The script's `pybabel extract` arguments, writing to `output` instead of the shipped template."""
    [line] = [line for line in SCRIPT.read_text().splitlines() if "pybabel extract" in line]
    words = shlex.split(line)
    arguments = words[words.index("extract"):]
    arguments[arguments.index("-o") + 1] = str(output)
    return arguments


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """The messages the code holds today, extracted from the source as the script extracts them."""
    template = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "--quiet", *_extract_arguments(template)],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    return _read(template)


@pytest.fixture(scope="module")
def english() -> Catalog:
    return _read(ENGLISH)


def _name(message: Message) -> str:
    where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
    context = f"[{message.context}] " if message.context else ""
    return f"{context}{message.id!r} ({where})"


def _strings(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _placeholders(text: str) -> list[tuple[str | None, str]]:
    return sorted((match["name"], match["type"]) for match in PLACEHOLDER.finditer(text.replace("%%", "")))


def test_the_extraction_finds_the_code_s_messages(extracted):
    # A broken extraction (wrong babel.cfg, keywords or folder) would otherwise make the next test pass on nothing.
    ids = {_ids(message)[0] for message in extracted if message.id}
    assert len(ids) > 500
    # The pager lives in templates/_partials, a folder pybabel skips unless told otherwise.
    assert {"Keluar", "Catat keluar", "Halaman %(p)d dari %(n)d", "%(num)d data", "Sewa tenda dan kursi",
            "Laporan pendapatan dikirim"} <= ids
    assert extracted.get("Keluar", context="date a member left") is not None


def test_every_extracted_message_has_an_english_translation(extracted, english):
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = english.get(message.id, context=message.context)
        if translated is None:
            missing.append(f"{_name(message)}: not in the English catalog")
        elif translated.fuzzy:
            missing.append(f"{_name(message)}: fuzzy")
        elif not all(_strings(translated)):
            missing.append(f"{_name(message)}: no translation")
    assert not missing, ("Untranslated English messages; run ./scripts/update-translations.sh and translate them in "
                         f"{ENGLISH.relative_to(ROOT)}:\n" + "\n".join(missing))


def test_the_english_catalog_has_no_fuzzy_or_obsolete_entries(english):
    fuzzy = [_name(message) for message in english if message.id and message.fuzzy]
    assert not fuzzy, "Fuzzy entries (check the translation, then remove the flag):\n" + "\n".join(fuzzy)
    assert not english.obsolete, f"Obsolete #~ entries: {sorted(english.obsolete)}"


def test_translations_keep_the_placeholders_of_their_message(english):
    wrong = []
    for message in english:
        if not message.id or not message.string:
            continue
        expected = _placeholders(_ids(message)[-1])
        for string in _strings(message):
            if string and _placeholders(string) != expected:
                wrong.append(f"{_name(message)} -> {string!r}")
    assert not wrong, "Placeholders differ from the message's:\n" + "\n".join(wrong)
