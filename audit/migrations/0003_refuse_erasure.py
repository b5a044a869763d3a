"""Refuse erasing the audit trail in the database: DELETE on SQLite, TRUNCATE on PostgreSQL.

SQLite: a trigger refuses DELETE unless `xundiao_audit_erase_permitted()` answers 1. The
function exists only on the application's connections (audit.erasure) and answers 1 only
while the project's `flush` runs; elsewhere (the sqlite3 shell) it does not exist and the
DELETE fails. PostgreSQL (UPDATE and DELETE are refused since 0002): a statement trigger
refuses TRUNCATE unless the session setting `xundiao.audit_erase` is 'on', which only the
`flush` command sets.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('xundiao.audit_erase', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_no_truncate();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
WHEN xundiao_audit_erase_permitted() = 0
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_event_no_delete;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [migrations.RunPython(forward, backward)]
