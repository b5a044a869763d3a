"""No one erases the audit trail behind the application's back: the database refuses DELETE
(SQLite, even from a shell without the application's guard function) and TRUNCATE
(PostgreSQL, unless the project's `flush` asks), and the application's PostgreSQL role may
only read and append. The project's `flush`, which test teardown uses, still empties it."""

import sqlite3
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.core.management.commands.flush import Command as DjangoFlush
from django.db import DatabaseError, connection, transaction

from audit.erasure import erasure_permitted
from audit.models import AuditEvent

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite leg only")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL leg only (roles and TRUNCATE)"
)


def _raw_delete():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")


@on_sqlite
def test_sqlite_refuses_a_raw_delete_from_the_application(world):
    count = AuditEvent.objects.count()
    assert count
    with pytest.raises(DatabaseError, match="append-only"):
        _raw_delete()
    assert AuditEvent.objects.count() == count


@on_sqlite
@pytest.mark.django_db(transaction=True)  # the backup API waits for open transactions
def test_sqlite_refuses_a_delete_from_a_shell_without_the_guard_function(world, tmp_path):
    path = tmp_path / "copy.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    shell = sqlite3.connect(path)  # what the sqlite3 CLI sees: no guard function
    try:
        with pytest.raises(sqlite3.OperationalError):
            shell.execute("DELETE FROM audit_auditevent")
        with pytest.raises(sqlite3.DatabaseError):
            shell.execute("UPDATE audit_auditevent SET verb = 'forged'")
        # REPLACE deletes the row it replaces without firing DELETE triggers.
        first = shell.execute("SELECT min(id) FROM audit_auditevent").fetchone()[0]
        columns = [row[1] for row in shell.execute("PRAGMA table_info(audit_auditevent)")]
        values = ", ".join("'forged.by.replace'" if c == "verb" else c for c in columns)
        for verb in ("INSERT OR REPLACE INTO", "REPLACE INTO"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                shell.execute(
                    f"{verb} audit_auditevent ({', '.join(columns)}) "
                    f"SELECT {values} FROM audit_auditevent WHERE id = {first}"
                )
        assert not shell.execute(
            "SELECT count(*) FROM audit_auditevent WHERE verb = 'forged.by.replace'"
        ).fetchone()[0]
        assert shell.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] == (
            AuditEvent.objects.count()
        )
    finally:
        shell.close()


@pytest.mark.django_db(transaction=True)
def test_the_projects_flush_erases_the_trail_and_djangos_own_flush_cannot(world):
    count = AuditEvent.objects.count()
    assert count
    with pytest.raises(CommandError):
        call_command(DjangoFlush(), interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == count

    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    # The guard is back once flush is done.
    world_again_has_events = AuditEvent.objects.create(
        verb="test.event",
        target_type_id=_content_type_id(),
        target_id="1",
        target_repr="x",
    )
    with pytest.raises(DatabaseError):
        _raw_delete()
    assert AuditEvent.objects.filter(pk=world_again_has_events.pk).exists()


def _content_type_id():
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(AuditEvent).pk


@on_postgresql
@pytest.mark.django_db(transaction=True)  # TRUNCATE waits for no pending FK checks
def test_postgresql_refuses_truncate_even_to_a_superuser_unless_flush_asks(world):
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="TRUNCATE refused"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == count
    with pytest.raises(DatabaseError, match="append-only"):
        _raw_delete()

    with erasure_permitted(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.count() == 0


@pytest.fixture
def app_role(db):
    """A fresh application role made by `create_app_role`, dropped afterwards."""
    name = f"xundiao_app_{uuid.uuid4().hex[:8]}"
    call_command("create_app_role", name, verbosity=0)
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


def _connect_as(role):
    params = connection.get_connection_params()
    return psycopg.connect(
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or 5432,
        dbname=params["dbname"],
        user=role,
        autocommit=True,
    )


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_application_role_can_only_read_and_append_to_the_trail(world, app_role):
    count = AuditEvent.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = %s",
            [app_role],
        )
        assert cursor.fetchone() == (False, False, True)
    with _connect_as(app_role) as app:
        for statement in (
            "TRUNCATE audit_auditevent",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate",
            "DELETE FROM audit_auditevent",
            "UPDATE audit_auditevent SET verb = 'forged'",
            "DROP TABLE audit_auditevent",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # Setting the flush flag does not help a role without the TRUNCATE right.
        app.execute("SET xundiao.audit_erase = 'on'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("TRUNCATE audit_auditevent")

        app.execute(
            "INSERT INTO audit_auditevent (verb, target_type_id, target_id, target_repr, "
            "note, created_at, request_id) VALUES ('test.append', %s, '1', 'x', '', now(), '')",
            [_content_type_id()],
        )
        # The rest of the schema is the application's to read and write.
        app.execute("UPDATE org_cadre SET position = position")
        assert app.execute("SELECT count(*) FROM org_cadre").fetchone()[0] > 0
    assert AuditEvent.objects.count() == count + 1


@on_sqlite
def test_create_app_role_is_for_postgresql_only(db):
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("create_app_role", "xundiao_app")
