"""Each running total also holds the sums of the five calendar years that end with its
year (a row for each of the four years after a counted record's), so the plan's rolling
five years reads one total per cadre and kind; counted again from the ledger."""

from django.db import migrations, models


def count_totals(apps, schema_editor):
    connection = schema_editor.connection
    year = (
        "CAST(EXTRACT(YEAR FROM date) AS INTEGER)"
        if connection.vendor == "postgresql"
        else "CAST(strftime('%%Y', date) AS INTEGER)"
    )
    sums = ("hours", "days", "hours_without_days", "records")
    offsets = " UNION ALL ".join(f"SELECT {k} AS k" for k in range(5))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_hourtotal")
        cursor.execute(
            "INSERT INTO ledger_hourtotal (cadre_id, kind, year, hours, days, "
            "hours_without_days, records, hours_5y, days_5y, hours_without_days_5y) "
            "SELECT s.cadre_id, s.kind, s.year + o.k, "
            + ", ".join(f"SUM(CASE WHEN o.k = 0 THEN s.{c} ELSE 0 END)" for c in sums)
            + ", SUM(s.hours), SUM(s.days), SUM(s.hours_without_days) FROM ("
            f"SELECT cadre_id, kind, {year} AS year, SUM(hours) AS hours, "
            "COALESCE(SUM(days), 0) AS days, "
            "COALESCE(SUM(CASE WHEN days IS NULL THEN hours END), 0) AS hours_without_days, "
            "COUNT(*) AS records FROM ledger_hourrecord WHERE status = %s "
            f"GROUP BY cadre_id, kind, {year}) s CROSS JOIN ({offsets}) o "
            "GROUP BY s.cadre_id, s.kind, s.year + o.k",
            ["recognized"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0006_default_cycle_rules"),
    ]

    operations = [
        migrations.AddField(
            model_name="hourtotal",
            name="days_5y",
            field=models.DecimalField(
                decimal_places=1, default=0, max_digits=12, verbose_name="days in five years"
            ),
        ),
        migrations.AddField(
            model_name="hourtotal",
            name="hours_5y",
            field=models.DecimalField(
                decimal_places=1, default=0, max_digits=12, verbose_name="hours in five years"
            ),
        ),
        migrations.AddField(
            model_name="hourtotal",
            name="hours_without_days_5y",
            field=models.DecimalField(
                decimal_places=1,
                default=0,
                max_digits=12,
                verbose_name="hours without days in five years",
            ),
        ),
        migrations.RunPython(count_totals, migrations.RunPython.noop),
    ]
