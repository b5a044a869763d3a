"""On PostgreSQL, an index holding every column compliance reads of a total, keyed by
year and kind: a window of one year or five reads the totals of that year with an
index-only scan (tens of milliseconds for 100,000 cadres) instead of scanning the whole
table (a row per cadre, kind and year, and the four years after each record's).
SQLite seeks the unique index (cadre, kind, year) once per cadre and needs none. Not in
the model's Meta: Django's covering indexes are PostgreSQL-only and warn on SQLite."""

from django.db import migrations

NAME = "hour_total_year_kind_cov"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON ledger_hourtotal (year, kind, cadre_id) "
            "INCLUDE (hours, days, hours_without_days, hours_5y, days_5y, hours_without_days_5y)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_hour_totals_five_years")]

    operations = [migrations.RunPython(create, drop)]
