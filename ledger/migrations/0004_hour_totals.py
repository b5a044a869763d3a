"""The running totals of recognized hours per cadre, kind and year (HourTotal), counted
from the ledger as it stands; and an index on the records' day (a compliance window's
edges are read from the ledger)."""

import django.db.models.deletion
from django.db import migrations, models


def count_totals(apps, schema_editor):
    connection = schema_editor.connection
    year = (
        "CAST(EXTRACT(YEAR FROM date) AS INTEGER)"
        if connection.vendor == "postgresql"
        else "CAST(strftime('%%Y', date) AS INTEGER)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_hourtotal (cadre_id, kind, year, hours, days, "
            "hours_without_days, records) "
            f"SELECT cadre_id, kind, {year}, SUM(hours), COALESCE(SUM(days), 0), "
            "COALESCE(SUM(CASE WHEN days IS NULL THEN hours END), 0), COUNT(*) "
            f"FROM ledger_hourrecord WHERE status = %s GROUP BY cadre_id, kind, {year}",
            ["recognized"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0003_hour_import_rows"),
        ("org", "0002_cadre_transfer"),
    ]

    operations = [
        migrations.CreateModel(
            name="HourTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("concentrated", "Concentrated training"),
                            ("online", "Online self-study"),
                        ],
                        max_length=16,
                        verbose_name="kind",
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "hours",
                    models.DecimalField(
                        decimal_places=1, default=0, max_digits=12, verbose_name="hours"
                    ),
                ),
                (
                    "days",
                    models.DecimalField(
                        decimal_places=1, default=0, max_digits=12, verbose_name="days"
                    ),
                ),
                (
                    "hours_without_days",
                    models.DecimalField(
                        decimal_places=1,
                        default=0,
                        max_digits=12,
                        verbose_name="hours without days",
                    ),
                ),
                ("records", models.IntegerField(default=0, verbose_name="records")),
            ],
            options={
                "verbose_name": "hour total",
                "verbose_name_plural": "hour totals",
            },
        ),
        migrations.AddIndex(
            model_name="hourrecord",
            index=models.Index(fields=["date"], name="hours_date_idx"),
        ),
        migrations.AddField(
            model_name="hourtotal",
            name="cadre",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="hour_totals",
                to="org.cadre",
                verbose_name="cadre",
            ),
        ),
        migrations.AddConstraint(
            model_name="hourtotal",
            constraint=models.UniqueConstraint(
                fields=("cadre", "kind", "year"), name="hour_total_once"
            ),
        ),
        migrations.RunPython(count_totals, migrations.RunPython.noop),
    ]
