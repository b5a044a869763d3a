"""Template tag libraries depend downwards, as the Python imports do (import-linter cannot
see a `{% load %}`): a page of an app loads the libraries of its own app and of the apps
below it, never of one above — so the organization's and the workflow's pages, and the
header of every page, work without dispatch. Every library a template loads exists."""

import re
from pathlib import Path

from django.conf import settings
from django.template import engines

ROOT = Path(__file__).resolve().parent.parent
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")
#: first-party apps, lowest first (the order of INSTALLED_APPS and of the layers contract)
APPS = [app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").is_file()]
#: the libraries of dispatch: for dispatch's own pages only
DISPATCH_LIBRARIES = {path.stem for path in (ROOT / "dispatch" / "templatetags").glob("[!_]*.py")}
#: the site's chrome (base.html, the header, error and admin pages) may load the libraries
#: of the apps up to `workflow` (the header's links and 我的待办), none of a domain app
CHROME_CEILING = "workflow"


def library_apps() -> dict[str, str]:
    """{library name: the first-party app that defines it}."""
    return {
        path.stem: app for app in APPS for path in (ROOT / app / "templatetags").glob("[!_]*.py")
    }


def template_files():
    """(the app a template belongs to — None for the site's chrome —, its path)."""
    for path in sorted((ROOT / "templates").rglob("*")):
        if not path.is_file():
            continue
        first = path.relative_to(ROOT / "templates").parts[0]
        if first == "viewflow":
            yield "workflow", path  # the /workflow/ site's pages: Viewflow's, overridden
        elif first in APPS and first != "core":
            yield first, path
        else:
            yield None, path
    for app in APPS:
        for path in sorted((ROOT / app / "templates").rglob("*")):
            if path.is_file():
                yield (None if app == "core" else app), path


def loaded(path: Path) -> list[str]:
    """The library names a template loads (`{% load a b %}`; `{% load x from a %}`)."""
    names = []
    for match in LOAD.finditer(path.read_text(encoding="utf-8", errors="replace")):
        words = match.group(1).split()
        names.extend(words[words.index("from") + 1 :] if "from" in words else words)
    return names


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_the_template_scan_sees_the_libraries_and_their_loads():
    """The scan below finds what it checks: dispatch's libraries, and pages loading them."""
    assert {"dispatch_ui", "curriculum", "roll_call_notices"} <= DISPATCH_LIBRARIES
    assert library_apps()["workflow_ui"] == "workflow"
    assert library_apps()["org_ui"] == "org"
    assert library_apps()["core_ui"] == "core"
    found = {relative(path): loaded(path) for _app, path in template_files()}
    assert "dispatch_ui" in found["templates/dispatch/roll_call_detail.html"]
    assert "workflow_ui" in found["templates/core/_header.html"]


def test_no_template_outside_dispatch_loads_a_dispatch_library():
    outside = {
        relative(path): sorted(set(loaded(path)) & DISPATCH_LIBRARIES)
        for app, path in template_files()
        if app != "dispatch" and set(loaded(path)) & DISPATCH_LIBRARIES
    }
    assert outside == {}


def test_a_template_loads_no_library_of_an_app_above_its_own():
    owners = library_apps()
    rank = {app: i for i, app in enumerate(APPS)}
    above = {}
    for app, path in template_files():
        ceiling = rank[app or CHROME_CEILING]
        higher = sorted(
            name for name in loaded(path) if name in owners and rank[owners[name]] > ceiling
        )
        if higher:
            above[relative(path)] = higher
    assert above == {}


def test_every_library_a_template_loads_exists():
    """A `{% load %}` of a library that is gone fails only when the page is rendered."""
    engine = engines["django"].engine
    known = set(engine.template_libraries) | {"i18n", "l10n", "static", "tz", "cache"}
    missing = {
        relative(path): sorted(set(loaded(path)) - known)
        for _app, path in template_files()
        if set(loaded(path)) - known
    }
    assert missing == {}


def test_the_site_wide_library_of_dispatch_is_gone():
    """`xundiao_ui` held the whole site's tags in dispatch; they live in core_ui, org_ui,
    workflow_ui and (dispatch's own) dispatch_ui."""
    assert not (ROOT / "dispatch" / "templatetags" / "xundiao_ui.py").exists()
    loading = [relative(p) for _app, p in template_files() if "xundiao_ui" in loaded(p)]
    assert loading == []
