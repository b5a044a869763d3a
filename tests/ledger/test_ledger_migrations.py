"""Data migrations, run by migrating the test database away and back. Migrating tables
away and back leaves a database unlike a fresh one, so this module is marked
`migrates`: tests/conftest.py collects it last, and with pytest-xdist's --dist loadfile
nothing runs after it on its worker."""

import datetime as dt

import pytest

from ledger.models import HourImport

pytestmark = pytest.mark.migrates


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_stored_rows_into_their_table(world):
    """Imports stored before 0003 keep their rows (and errors), one row per line."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("ledger", "0002_default_indicator_rules")],
        [("ledger", "0003_hour_import_rows")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old.get_model("ledger", "HourImport").objects.create(
        uploaded_by_id=world.bob.pk,
        file_name="old.csv",
        rows=[
            {
                "line": 2,
                "id_number": "1101**********0011",
                "cadre_id": world.cadre_a.pk,
                "name": "王堃",
                "date": "2026-03-01",
                "hours": "2",
                "course": "党史",
                "platform": "网院",
                "source_key": "online:x",
                "errors": [],
            },
            {
                "line": 3,
                "id_number": "",
                "cadre_id": None,
                "name": "某人",
                "date": "",
                "hours": "500",
                "course": "",
                "platform": "",
                "source_key": "online:y",
                "errors": ["unknown", "absurd"],
            },
        ],
        errors=[{"line": 3, "errors": ["unknown", "absurd"]}],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    # Back to the latest schema: later migrations' tables, for the tests after this one.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {row.line: row for row in HourImport.objects.get(file_name="old.csv").lines.all()}
    assert set(rows) == {2, 3}
    assert rows[2].cadre == world.cadre_a and rows[2].date == dt.date(2026, 3, 1)
    assert rows[2].errors == "" and rows[3].errors == "unknown；absurd"
    assert rows[3].cadre is None and rows[3].date is None and rows[3].hours == "500"
