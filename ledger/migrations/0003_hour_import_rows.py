"""Hour imports keep their rows in a table of their own (one row per line of the file)
instead of one JSON blob; the rows of existing imports are moved there."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 1000


def rows_to_table(apps, schema_editor):
    HourImport = apps.get_model("ledger", "HourImport")
    HourImportRow = apps.get_model("ledger", "HourImportRow")
    Cadre = apps.get_model("org", "Cadre")
    for hour_import in HourImport.objects.iterator(chunk_size=100):
        rows = hour_import.rows or []
        cadres = set(
            Cadre.objects.filter(pk__in={r.get("cadre_id") for r in rows} - {None}).values_list(
                "pk", flat=True
            )
        )
        HourImportRow.objects.bulk_create(
            [
                HourImportRow(
                    hour_import=hour_import,
                    line=row["line"],
                    cadre_id=row.get("cadre_id") if row.get("cadre_id") in cadres else None,
                    id_number=str(row.get("id_number") or "")[:32],
                    name=str(row.get("name") or "")[:100],
                    date=row.get("date") or None,
                    hours=str(row.get("hours") or "")[:32],
                    course=str(row.get("course") or "")[:255],
                    platform=str(row.get("platform") or "")[:100],
                    source_key=str(row.get("source_key") or "")[:64],
                    errors="；".join(row.get("errors") or []),
                )
                for row in rows
            ],
            batch_size=BATCH,
        )


def table_to_rows(apps, schema_editor):
    HourImport = apps.get_model("ledger", "HourImport")
    for hour_import in HourImport.objects.iterator(chunk_size=100):
        rows = [
            {
                "line": row.line,
                "id_number": row.id_number,
                "cadre_id": row.cadre_id,
                "name": row.name,
                "date": row.date.isoformat() if row.date else "",
                "hours": row.hours,
                "course": row.course,
                "platform": row.platform,
                "source_key": row.source_key,
                "errors": row.errors.split("；") if row.errors else [],
            }
            for row in hour_import.lines.order_by("line")
        ]
        hour_import.rows = rows
        hour_import.errors = [
            {"line": r["line"], "errors": r["errors"]} for r in rows if r["errors"]
        ]
        hour_import.save(update_fields=["rows", "errors"])


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_default_indicator_rules"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="HourImportRow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("line", models.PositiveIntegerField(verbose_name="line")),
                (
                    "id_number",
                    models.CharField(blank=True, max_length=32, verbose_name="ID number (masked)"),
                ),
                ("name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                ("date", models.DateField(blank=True, null=True, verbose_name="date")),
                ("hours", models.CharField(blank=True, max_length=32, verbose_name="hours")),
                ("course", models.CharField(blank=True, max_length=255, verbose_name="course")),
                ("platform", models.CharField(blank=True, max_length=100, verbose_name="platform")),
                (
                    "source_key",
                    models.CharField(blank=True, max_length=64, verbose_name="source key"),
                ),
                ("errors", models.TextField(blank=True, verbose_name="errors")),
                (
                    "cadre",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.cadre",
                        verbose_name="cadre",
                    ),
                ),
                (
                    "hour_import",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="ledger.hourimport",
                        verbose_name="hour import",
                    ),
                ),
            ],
            options={
                "verbose_name": "hour import row",
                "verbose_name_plural": "hour import rows",
                "ordering": ["hour_import", "line"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("hour_import", "line"), name="import_row_line_once"
                    )
                ],
            },
        ),
        migrations.RunPython(rows_to_table, table_to_rows),
        migrations.RemoveField(model_name="hourimport", name="errors"),
        migrations.RemoveField(model_name="hourimport", name="rows"),
    ]
