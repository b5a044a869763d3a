"""System checks (`manage.py check`): the fonts and libraries official documents need.

Reported as warnings, not errors, so the demo still starts on a machine without them:
documents then render with substitute faces (not GB/T 9704 FangSong) or slowly.
"""

from __future__ import annotations

import ctypes.util
import functools
import shutil
import subprocess

from django.core.checks import Error, Tags, Warning, register

INSTALL_HINT = "sudo bash scripts/install-system-packages.sh"

# (family, why, check id)
REQUIRED_FAMILIES = [
    (
        "FandolFang",
        "the FangSong (仿宋) face for the body of official documents",
        "notifications.W001",
    ),
    (
        "Noto Serif CJK SC",
        "the Song face for titles and page numbers, and the fallback for rare characters",
        "notifications.W002",
    ),
    ("Noto Sans CJK SC", "the Hei (黑体) face for first-level headings", "notifications.W003"),
    ("FandolKai", "the Kai (楷体) face for second-level headings", "notifications.W004"),
]

# (family, style, why, check id): faces a family must have beyond its regular one.
REQUIRED_STYLES = [
    (
        "Noto Serif CJK SC",
        "Bold",
        "the bold Song (小标宋) face for the titles and the red issuer mark",
        "notifications.W007",
    ),
]


@functools.lru_cache(maxsize=1)
def installed_font_families() -> frozenset[str] | None:
    """Family names fontconfig knows (None when fc-list is missing)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, ":", "family"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    families = set()
    for line in out.splitlines():
        families.update(name.strip() for name in line.split(","))
    return frozenset(families)


@functools.lru_cache(maxsize=8)
def installed_font_styles(family: str) -> frozenset[str] | None:
    """Style names fontconfig has for `family` (`fc-list "FAMILY" style`), e.g.
    {"Regular", "Bold"}; None when fc-list is missing."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run(
            [fc_list, family, "style"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    styles = set()
    for line in out.splitlines():
        _, _, value = line.partition("style=")
        styles.update(name.strip() for name in value.split(",") if name.strip())
    return frozenset(styles)


def harfbuzz_subset_library() -> str | None:
    return ctypes.util.find_library("harfbuzz-subset")


def weasyprint_import_error() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        return str(exc)
    return None


@register(Tags.compatibility)
def check_document_rendering(app_configs=None, **kwargs):
    messages = []
    error = weasyprint_import_error()
    if error:
        messages.append(
            Error(
                f"WeasyPrint cannot be loaded ({error}): official documents cannot be "
                "rendered. / 无法加载 WeasyPrint，公文无法生成。",
                hint=f"Install Pango: {INSTALL_HINT}",
                id="notifications.E001",
            )
        )
    families = installed_font_families()
    if families is None:
        messages.append(
            Warning(
                "fontconfig's fc-list was not found, so the document fonts cannot be "
                "checked. / 未找到 fc-list，无法检查公文字体。",
                hint=INSTALL_HINT,
                id="notifications.W005",
            )
        )
    else:
        for family, why, check_id in REQUIRED_FAMILIES:
            if family not in families:
                messages.append(
                    Warning(
                        f"Font '{family}' is missing: {why}. Documents fall back to another "
                        f"face and do not meet GB/T 9704. / 缺少字体“{family}”，"
                        "公文将使用替代字体，不符合 GB/T 9704 格式要求。",
                        hint=INSTALL_HINT,
                        id=check_id,
                    )
                )
        for family, style, why, check_id in REQUIRED_STYLES:
            if family not in families:
                continue  # the family's own warning says it all
            styles = installed_font_styles(family)
            if styles is not None and style not in styles:
                messages.append(
                    Warning(
                        f"Font '{family}' has no {style} face: {why}. Titles are then set "
                        f"in a synthesised or substitute face and do not meet GB/T 9704. / "
                        f"字体“{family}”缺少 {style}（粗体）字形，公文标题将使用替代字体，"
                        "不符合 GB/T 9704 格式要求。",
                        hint=INSTALL_HINT,
                        id=check_id,
                    )
                )
    if harfbuzz_subset_library() is None:
        messages.append(
            Warning(
                "libharfbuzz-subset0 is missing: every PDF takes seconds instead of a "
                "fraction of a second to embed its fonts. / 缺少 libharfbuzz-subset0，"
                "每份公文的字体嵌入将耗时数秒。",
                hint="sudo apt-get install libharfbuzz-subset0",
                id="notifications.W006",
            )
        )
    return messages
