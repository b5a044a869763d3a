"""The interface is Simplified Chinese: every string the code and templates mark for
translation has its zh-hans translation in locale/, and the compiled catalogue in the
repository (django.mo, what the server reads; djangojs.mo, the admin scripts' texts that
Django's own catalogue lacks) is the one its .po compiles to.

`makemessages` runs on a copy of the sources (it rewrites the catalogue it merges into),
without tests/ and bench/; a string Django's own catalogue translates (a form field's
"This field is required.") needs no entry of ours. Needs GNU gettext (xgettext, msgfmt),
which `./run test` installs with the browser's packages."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = Path("locale/zh_Hans/LC_MESSAGES")
#: what makemessages reads: the apps, their templates, the settings (tests and bench are
#: not the interface)
SKIPPED = {".git", ".venv", "var", "media", "tests", "bench", "docs", "node_modules"}


def catalogue(mo: Path) -> dict:
    """{msgid: msgstr} of a compiled catalogue (plural forms keyed (msgid, n), a
    context's as "context\x04msgid", as Python's gettext reads them)."""
    with open(mo, "rb") as file:
        return gettext.GNUTranslations(file)._catalog


def django_translates(key) -> bool:
    """Django's own catalogue translates the msgid (a form's "This field is required.")."""
    msgid = key[0] if isinstance(key, tuple) else key
    with translation.override("zh-hans"):
        return translation.gettext(msgid) != msgid


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    """The catalogue as makemessages merges today's sources into a copy of it."""
    if not (shutil.which("xgettext") and shutil.which("msgmerge")):
        pytest.fail("GNU gettext is missing: apt-get install gettext (./run test installs it)")
    copy = tmp_path_factory.mktemp("sources")
    for path in ROOT.iterdir():
        if path.name in SKIPPED or path.name.startswith("."):
            continue
        if path.is_dir():
            shutil.copytree(path, copy / path.name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(path, copy / path.name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    return copy / CATALOGUE / "django.po"


def test_every_string_of_the_interface_has_its_chinese_translation(merged, tmp_path):
    # Every msgid of the sources, as its own "translation" (msgen), compiled: its keys.
    english, compiled = tmp_path / "en.po", tmp_path / "en.mo"
    subprocess.run(["msgen", "-o", str(english), str(merged)], check=True)
    subprocess.run(["msgfmt", "--use-fuzzy", "-o", str(compiled), str(english)], check=True)
    served = catalogue(ROOT / CATALOGUE / "django.mo")  # what the server reads
    missing = sorted(
        str(key)
        for key in catalogue(compiled)
        if key and key not in served and not django_translates(key)
    )
    assert missing == [], "untranslated (add them to locale/zh_Hans/LC_MESSAGES/django.po):\n" + (
        "\n".join(missing)
    )


@pytest.mark.parametrize("domain", ["django", "djangojs"])  # djangojs: the admin's scripts
def test_the_compiled_catalogue_is_the_one_its_po_compiles_to(tmp_path, domain):
    compiled = tmp_path / f"{domain}.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(ROOT / CATALOGUE / f"{domain}.po")],
        check=True,
    )

    stored = catalogue(ROOT / CATALOGUE / f"{domain}.mo")
    fresh = catalogue(compiled)
    stale = "compile it: manage.py compilemessages (README)"
    assert {k: v for k, v in fresh.items() if k not in stored} == {}, stale
    assert {k: v for k, v in stored.items() if fresh.get(k) != v} == {}, stale


#: attributes a reader sees or a screen reader speaks
SPOKEN_ATTRIBUTES = re.compile(r'\b(alt|title|placeholder|aria-label)="([^"{]*[A-Za-z]{3}[^"{]*)"')


def test_no_template_writes_english_into_what_a_reader_sees_or_hears():
    """An image's alt text, a tooltip, a placeholder or an ARIA label written out in a
    template (Viewflow's "flow graph" on a flow's page) escapes the catalogue: it must
    be `{% translate %}`d."""
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for match in SPOKEN_ATTRIBUTES.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, found


def test_djangos_own_length_and_digit_messages_read_as_the_interface_says_things():
    """Django's stock Chinese calls a user's text "该变量" and confirms with a half-width
    full stop; the project's catalogue words them as the rest of the interface."""
    from django import forms
    from django.core.exceptions import ValidationError

    cases = [
        (forms.CharField(max_length=5), "一二三四五六七", "不能超过5个字（现有7个字），请删减。"),
        (forms.DecimalField(max_digits=4, decimal_places=1), "12345", "数值过大"),
        (forms.DecimalField(max_digits=4, decimal_places=1), "1.25", "小数不能超过1位。"),
        (forms.CharField(), "理由\x00", "不能含有空字符"),
    ]
    with translation.override("zh-hans"):
        for field, value, expected in cases:
            with pytest.raises(ValidationError) as refused:
                field.clean(value)
            message = " ".join(refused.value.messages)
            assert expected in message and "变量" not in message and "确认" not in message
