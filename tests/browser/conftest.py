"""Browser journeys: Playwright for Python driving Debian's Chromium against pytest-django's
live_server (README: Tests). Every test here is marked `browser`; `./run test` runs them on
the SQLite leg inside a network namespace that has only loopback, and the `browser` fixture
refuses to start Chromium anywhere else, so the browser can send nothing beyond this
machine. Screenshots of failed tests: tests/browser/artifacts/ (git-ignored)."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("XUNDIAO_CHROMIUM", "/usr/bin/chromium")
# Every host name resolves to nothing except the live server's own.
HOST_RULES = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
ARTIFACTS = Path(__file__).parent / "artifacts"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


def interfaces() -> set[str]:
    """The network interfaces of this process's network namespace."""
    lines = Path("/proc/net/dev").read_text().splitlines()[2:]
    return {line.split(":", 1)[0].strip() for line in lines}


def _refusal() -> str | None:
    if os.environ.get("DATABASE_URL"):
        return "browser tests run on the SQLite leg only (DATABASE_URL is set)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (scripts/install-system-packages.sh installs it)"
    others = interfaces() - {"lo"}
    if others:
        return (
            "not inside a loopback-only network namespace (interfaces: "
            + ", ".join(sorted(others))
            + "); ./run test runs these under `unshare --net`"
        )
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    reason = _refusal()
    if reason:
        pytest.skip(reason)
    # Never --disable-features=: it would replace Playwright's own list.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [HOST_RULES],
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture
def journey(browser, live_server, request):
    """The test's Journey; when the test fails, a full-page screenshot of every page still
    open, one per person, in tests/browser/artifacts/<test>/."""
    from tests.browser.journey import Journey

    journey = Journey(browser, live_server)
    yield journey
    if getattr(request.node, "browser_call_failed", False):
        folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        folder.mkdir(parents=True, exist_ok=True)
        for n, (who, page) in enumerate(journey.pages()):
            try:
                page.screenshot(path=folder / f"{n:02d}-{who}.png", full_page=True, timeout=10_000)
            except Exception as error:  # a closed or crashed page: say so, carry on
                (folder / f"{n:02d}-{who}.txt").write_text(repr(error), encoding="utf-8")
    journey.close()


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_sync_playwright():
    """Playwright's sync API keeps an event loop running in this thread: the ORM calls the
    tests make around the browser need Django's async-safety check relaxed (these tests
    only; set before any other fixture touches the database)."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(autouse=True)
def _static_url(settings):
    settings.STATIC_URL = "/static/"
