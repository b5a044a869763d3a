"""The running counts of dispatches per unit, class and status (`DispatchTally`), kept by
triggers on the dispatch table and counted once here from the dispatches there are.

PostgreSQL: statement-level triggers over the statement's transition tables, so a roll
call's bulk INSERT of 1,000 dispatches appends one row per (unit, class, status) it
touched, and an UPDATE only the differences (nothing when the counted columns did not
change). SQLite: row-level triggers; no DELETE trigger (see `dispatch.tally`)."""

import django.db.models.deletion
from django.db import migrations, models

COLUMNS = (
    "(unit_id, training_class_id, status, dispatches, leave_requests, notified, acknowledged)"
)

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION dispatch_tally_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dispatch_tally {COLUMNS}
        SELECT unit_id, training_class_id, status, COUNT(*),
               COUNT(*) FILTER (WHERE request_kind = 'leave'),
               COUNT(acknowledge_due), COUNT(acknowledged_at)
        FROM new_rows GROUP BY unit_id, training_class_id, status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO dispatch_tally {COLUMNS}
        SELECT unit_id, training_class_id, status, -COUNT(*),
               -COUNT(*) FILTER (WHERE request_kind = 'leave'),
               -COUNT(acknowledge_due), -COUNT(acknowledged_at)
        FROM old_rows GROUP BY unit_id, training_class_id, status;
    ELSE
        INSERT INTO dispatch_tally {COLUMNS}
        SELECT unit_id, training_class_id, status, SUM(d), SUM(l), SUM(n), SUM(a)
        FROM (
            SELECT unit_id, training_class_id, status, 1 AS d,
                   (request_kind = 'leave')::int AS l,
                   (acknowledge_due IS NOT NULL)::int AS n,
                   (acknowledged_at IS NOT NULL)::int AS a
            FROM new_rows
            UNION ALL
            SELECT unit_id, training_class_id, status, -1,
                   -(request_kind = 'leave')::int,
                   -(acknowledge_due IS NOT NULL)::int,
                   -(acknowledged_at IS NOT NULL)::int
            FROM old_rows
        ) AS change
        GROUP BY unit_id, training_class_id, status
        HAVING SUM(d) <> 0 OR SUM(l) <> 0 OR SUM(n) <> 0 OR SUM(a) <> 0;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dispatch_tally_insert AFTER INSERT ON dispatch_dispatch
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_tally_count();
CREATE TRIGGER dispatch_tally_update AFTER UPDATE ON dispatch_dispatch
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_tally_count();
CREATE TRIGGER dispatch_tally_delete AFTER DELETE ON dispatch_dispatch
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_tally_count();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS dispatch_tally_insert ON dispatch_dispatch;
DROP TRIGGER IF EXISTS dispatch_tally_update ON dispatch_dispatch;
DROP TRIGGER IF EXISTS dispatch_tally_delete ON dispatch_dispatch;
DROP FUNCTION IF EXISTS dispatch_tally_count();
"""


def _values(row: str, sign: str) -> str:
    return (
        f"({row}.unit_id, {row}.training_class_id, {row}.status, {sign}1, "
        f"{sign}({row}.request_kind = 'leave'), {sign}({row}.acknowledge_due IS NOT NULL), "
        f"{sign}({row}.acknowledged_at IS NOT NULL))"
    )


SQLITE_FORWARD = [
    f"""CREATE TRIGGER dispatch_tally_insert AFTER INSERT ON dispatch_dispatch
    BEGIN INSERT INTO dispatch_tally {COLUMNS} VALUES {_values("NEW", "")}; END""",
    f"""CREATE TRIGGER dispatch_tally_update
    AFTER UPDATE OF unit_id, training_class_id, status, request_kind, acknowledge_due,
        acknowledged_at ON dispatch_dispatch
    WHEN OLD.unit_id IS NOT NEW.unit_id
        OR OLD.training_class_id IS NOT NEW.training_class_id
        OR OLD.status IS NOT NEW.status
        OR (OLD.request_kind = 'leave') IS NOT (NEW.request_kind = 'leave')
        OR (OLD.acknowledge_due IS NULL) IS NOT (NEW.acknowledge_due IS NULL)
        OR (OLD.acknowledged_at IS NULL) IS NOT (NEW.acknowledged_at IS NULL)
    BEGIN
        INSERT INTO dispatch_tally {COLUMNS} VALUES {_values("OLD", "-")};
        INSERT INTO dispatch_tally {COLUMNS} VALUES {_values("NEW", "")};
    END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS dispatch_tally_insert",
    "DROP TRIGGER IF EXISTS dispatch_tally_update",
]

COUNT = f"""
INSERT INTO dispatch_tally {COLUMNS}
SELECT unit_id, training_class_id, status, COUNT(*),
       SUM(CASE WHEN request_kind = 'leave' THEN 1 ELSE 0 END),
       COUNT(acknowledge_due), COUNT(acknowledged_at)
FROM dispatch_dispatch
GROUP BY unit_id, training_class_id, status
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    schema_editor.execute(COUNT)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0005_absent_index"),
        ("org", "0003_cadre_full_name_young_since"),
    ]

    operations = [
        migrations.CreateModel(
            name="DispatchTally",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("status", models.CharField(max_length=20, verbose_name="status")),
                ("dispatches", models.IntegerField(verbose_name="dispatches")),
                ("leave_requests", models.IntegerField(verbose_name="asked for leave")),
                ("notified", models.IntegerField(verbose_name="notified")),
                ("acknowledged", models.IntegerField(verbose_name="acknowledged")),
                (
                    "training_class",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="dispatch.trainingclass",
                        verbose_name="training class",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="org.unit",
                        verbose_name="unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "dispatch tally",
                "verbose_name_plural": "dispatch tallies",
                "db_table": "dispatch_tally",
                "indexes": [
                    models.Index(
                        fields=["training_class", "unit", "status"], name="dispatch_tally_key_idx"
                    )
                ],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
