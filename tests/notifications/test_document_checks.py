"""`manage.py check` says clearly when the document fonts or libharfbuzz-subset0 are
missing (in English and Chinese), and is quiet when everything is installed."""

import io
import subprocess

import pytest
from django.core.management import call_command

from notifications import checks

ALL_FAMILIES = frozenset(
    {"FandolFang", "FandolKai", "Noto Serif CJK SC", "Noto Sans CJK SC", "DejaVu Sans"}
)


STYLES = {"Noto Serif CJK SC": frozenset({"Regular", "Bold"})}
fc_list_styles = checks.installed_font_styles  # the real lookup, before any test patches it


@pytest.fixture(autouse=True)
def _styles(monkeypatch):
    """Every test sees a Noto Serif CJK SC with its Bold face unless it says otherwise."""
    monkeypatch.setattr(checks, "installed_font_styles", lambda family: STYLES.get(family))


def _ids(messages):
    return sorted(m.id for m in messages)


def test_quiet_when_fonts_and_harfbuzz_subset_are_installed(monkeypatch):
    monkeypatch.setattr(checks, "installed_font_families", lambda: ALL_FAMILIES)
    monkeypatch.setattr(checks, "harfbuzz_subset_library", lambda: "libharfbuzz-subset.so.0")
    assert checks.check_document_rendering() == []


def test_missing_fangsong_is_reported_in_english_and_chinese(monkeypatch):
    monkeypatch.setattr(checks, "installed_font_families", lambda: ALL_FAMILIES - {"FandolFang"})
    monkeypatch.setattr(checks, "harfbuzz_subset_library", lambda: "libharfbuzz-subset.so.0")
    [message] = checks.check_document_rendering()
    assert message.id == "notifications.W001"
    assert "FandolFang" in message.msg and "FangSong" in message.msg
    assert "缺少字体" in message.msg
    assert "install-system-packages.sh" in message.hint


def test_missing_noto_fonts_and_harfbuzz_subset(monkeypatch):
    monkeypatch.setattr(checks, "installed_font_families", lambda: frozenset({"FandolFang"}))
    monkeypatch.setattr(checks, "harfbuzz_subset_library", lambda: None)
    messages = checks.check_document_rendering()
    assert _ids(messages) == [
        "notifications.W002",
        "notifications.W003",
        "notifications.W004",
        "notifications.W006",
    ]
    harfbuzz = next(m for m in messages if m.id == "notifications.W006")
    assert "libharfbuzz-subset0" in harfbuzz.msg and "libharfbuzz-subset0" in harfbuzz.hint


def test_no_fontconfig_at_all(monkeypatch):
    monkeypatch.setattr(checks, "installed_font_families", lambda: None)
    monkeypatch.setattr(checks, "harfbuzz_subset_library", lambda: "libharfbuzz-subset.so.0")
    assert _ids(checks.check_document_rendering()) == ["notifications.W005"]


def test_weasyprint_that_cannot_load_is_an_error(monkeypatch):
    monkeypatch.setattr(checks, "weasyprint_import_error", lambda: "cannot load libpango")
    monkeypatch.setattr(checks, "installed_font_families", lambda: ALL_FAMILIES)
    monkeypatch.setattr(checks, "harfbuzz_subset_library", lambda: "libharfbuzz-subset.so.0")
    [message] = checks.check_document_rendering()
    assert message.id == "notifications.E001" and message.is_serious()


def test_manage_py_check_runs_the_document_check(monkeypatch):
    monkeypatch.setattr(checks, "installed_font_families", lambda: ALL_FAMILIES)
    monkeypatch.setattr(checks, "harfbuzz_subset_library", lambda: None)
    err = io.StringIO()
    call_command("check", stdout=io.StringIO(), stderr=err)
    assert "notifications.W006" in err.getvalue()


def test_missing_bold_song_face_is_reported(monkeypatch):
    monkeypatch.setattr(checks, "installed_font_families", lambda: ALL_FAMILIES)
    monkeypatch.setattr(checks, "harfbuzz_subset_library", lambda: "libharfbuzz-subset.so.0")
    monkeypatch.setattr(checks, "installed_font_styles", lambda family: frozenset({"Regular"}))
    [message] = checks.check_document_rendering()
    assert message.id == "notifications.W007"
    assert "Noto Serif CJK SC" in message.msg and "Bold" in message.msg
    assert "粗体" in message.msg
    assert "install-system-packages.sh" in message.hint


def test_font_styles_are_read_from_fc_list(monkeypatch):
    calls = []

    def run(args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(
            args, 0, stdout=":style=Regular\n:style=Bold,Fett\n", stderr=""
        )

    monkeypatch.setattr(checks.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(checks.subprocess, "run", run)
    styles = fc_list_styles.__wrapped__("Noto Serif CJK SC")  # uncached
    assert styles == frozenset({"Regular", "Bold", "Fett"})
    assert calls == [["/usr/bin/fc-list", "Noto Serif CJK SC", "style"]]


def test_this_machine_has_what_documents_need(monkeypatch):
    monkeypatch.setattr(checks, "installed_font_styles", fc_list_styles)
    checks.installed_font_families.cache_clear()
    fc_list_styles.cache_clear()
    assert checks.check_document_rendering() == []
