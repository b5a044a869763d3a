"""SQLite: `INSERT OR REPLACE` (and `REPLACE INTO`) deletes the row it replaces without
firing DELETE triggers (unless `recursive_triggers` is on), so an event could be
overwritten. A trigger refuses an insert whose id is taken. PostgreSQL has no REPLACE;
its `INSERT … ON CONFLICT DO UPDATE` is an UPDATE, refused since 0002."""

from django.db import migrations

SQLITE_FORWARD = """
CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_auditevent
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_auditevent WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_event_no_replace;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_refuse_erasure")]

    operations = [migrations.RunPython(forward, backward)]
