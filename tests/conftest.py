"""Fixtures every test folder shares: the test world, its remaining staff, a class to
dispatch to, and logging in."""

import copy
import datetime as dt
import importlib
from collections import Counter, defaultdict

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings

from tests.factories import World, training_class
from tests.flowtools import Staff


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "klass(**fields): fields of the `klass` fixture's training class (name, quota, "
        "credit_hours …), for a test or, as `pytestmark`, for a module",
    )
    config.addinivalue_line(
        "markers",
        "dated(moment): the test's fixed dates are written for `moment` (ISO 8601 with its "
        "offset): it runs from then on, its clock ticking, on any day (tests/conftest.py)",
    )
    config.addinivalue_line(
        "markers",
        "migrates: the test migrates the database away and back; collected last, so that "
        "no other test runs after it on its worker (--dist loadfile)",
    )
    config.addinivalue_line(
        "markers",
        "transactional: set here on every test that empties the database when it ends "
        "(transactional_db, django_db(transaction=True), live_server); ./run test runs them "
        "in one process after the others (--transactional=exclude on the pytest-xdist "
        "workers, then --transactional=only)",
    )


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=None,
        metavar="MOMENT",
        help="start every test at MOMENT (ISO 8601 with its offset, e.g. "
        "2026-12-08T15:59:59+00:00, a second before midnight in Beijing), the clock running "
        "on from there: finds the tests that fail when a day ends while they run",
    )
    parser.addoption(
        "--transactional",
        choices=("include", "exclude", "only"),
        default="include",
        help="keep (include), leave out (exclude) or run alone (only) the tests marked "
        "`transactional`; ./run test runs `exclude` on pytest-xdist workers, then `only` in "
        "one process",
    )


def _is_transactional(item) -> bool:
    """As pytest-django decides it: the test empties every table when it ends."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return (
        bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


#: fixtures through which a test reaches the database (pytest-django refuses any other;
#: a fixture of the test's own that unblocks it, like the demo city's, comes with `db`)
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def _uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def _on_sqlite() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_transactional(item):
            item.add_marker(pytest.mark.transactional)
    if not _on_sqlite():
        # A test that reaches no database (pytest-django would refuse it) runs the same
        # on every database: the SQLite leg runs it; the PostgreSQL leg leaves it out.
        left = [item for item in items if not _uses_database(item)]
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = [item for item in items if _uses_database(item)]
    part = config.getoption("transactional")
    if part != "include":
        keep = part == "only"
        chosen = [item for item in items if _is_transactional(item) == keep]
        left = [item for item in items if _is_transactional(item) != keep]
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = chosen
    # The xdist workers take whole files in this order (./run test: --dist loadfile
    # --no-loadscope-reorder): the modules marked `heavy` (minutes each) first, then the
    # others by their number of tests, most first, so that no worker is left running a
    # long module alone at the end; the `migrates` tests last. Stable: ties keep their
    # order.
    per_file = Counter(item.nodeid.split("::", 1)[0] for item in items)
    _share_the_world_per_module(items)
    items.sort(
        key=lambda item: (
            item.get_closest_marker("migrates") is not None,
            item.get_closest_marker("heavy") is None,
            -per_file[item.nodeid.split("::", 1)[0]],
        )
    )


def _share_the_world_per_module(items) -> None:
    """Build the test world once a module (`_module_world`) where every test of the module
    rolls back (none transactional, none migrating): each such test asking for `world`
    gets a copy of it, its rows written once in an outer transaction that the module's
    end rolls back — each test's own transaction is a savepoint within it. (A world is
    about 190 queries: a quarter of a second a test on PostgreSQL.)"""
    by_module = defaultdict(list)
    for item in items:
        by_module[item.nodeid.split("::", 1)[0]].append(item)
    for module_items in by_module.values():
        if any(
            _is_transactional(item) or item.get_closest_marker("migrates") for item in module_items
        ):
            continue
        for item in module_items:
            if "world" in getattr(item, "fixturenames", ()):
                # First: opened before the test's own transaction (the `db` fixture's).
                item.fixturenames.insert(0, "_module_world")


def _wants_transaction(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(
        marker and marker.kwargs.get("transaction")
    )


@pytest.fixture(autouse=True)
def _rows_the_migrations_write(request):
    """Every database test starts with the rows the migrations write (the default
    indicator rules of ledger 0002, cycle rules of ledger 0006, teaching indicators of
    dispatch 0003), as a fresh test database has them: a transactional test empties every
    table when it ends (content types and permissions come back through post_migrate,
    these rows do not), and another transactional test may follow it:
    ./run test runs them all in one process after the others, and a plain `pytest -n N`
    (--transactional=include) may run any test after one on the same worker."""
    if _wants_transaction(request):
        request.getfixturevalue("transactional_db")
    elif "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        return
    from django.apps import apps

    from dispatch.models import TeachingIndicatorRule
    from ledger.models import CadreCycleRule, IndicatorRule

    for model, migration in (
        (IndicatorRule, "ledger.migrations.0002_default_indicator_rules"),
        (CadreCycleRule, "ledger.migrations.0006_default_cycle_rules"),
        (TeachingIndicatorRule, "dispatch.migrations.0003_default_teaching_rules"),
    ):
        if not model.objects.exists():
            importlib.import_module(migration).load(apps, None)


@pytest.fixture(autouse=True)
def _clock(request):
    """`--clock MOMENT`: the test runs from MOMENT on, its clock ticking. A test marked
    `dated(MOMENT)` runs from its own MOMENT on, whatever --clock says: its fixed dates
    (a plan for 2027, a class in March 2027) are written for that day."""
    dated = request.node.get_closest_marker("dated")
    moment = dated.args[0] if dated else request.config.getoption("clock")
    if not moment:
        yield
        return
    # As a timestamp: a datetime with a zone would set the process's time zone to it
    # too (Django sets it to TIME_ZONE, which `date.today()` then follows).
    with time_machine.travel(dt.datetime.fromisoformat(moment).timestamp(), tick=True):
        yield


FAST_PASSWORDS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_PASSWORDS


@pytest.fixture
def media(settings, tmp_path):
    """MEDIA_ROOT in this test's own folder (`tmp_path / "media"`, made when a file is first
    stored), returned: uploads, import files and issued documents stay out of the project's
    media/. A module whose every test stores files says `pytest.mark.usefixtures("media")`."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The module's test world (see `_share_the_world_per_module`), in a transaction
    rolled back when the module ends: the module leaves the database as it found it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_PASSWORDS):
                template = World()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield template
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def world(request, db):
    """中共某市委 and its people (tests.factories.World): a copy of the module's world
    where the module shares one, else built for the test."""
    if "_module_world" in request.fixturenames:
        return copy.deepcopy(request.getfixturevalue("_module_world"))
    return World()


@pytest.fixture
def staff(world):
    return Staff(world)


@pytest.fixture
def klass(world, request):
    """A class of the city's organization department at the party school, starting in 30
    days. `@pytest.mark.klass(name=..., quota=...)` on a test or a module sets its fields."""
    marker = request.node.get_closest_marker("klass")
    fields = marker.kwargs if marker else {}
    return training_class(
        world.city_od, world.school, dt.date.today() + dt.timedelta(days=30), **fields
    )


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
