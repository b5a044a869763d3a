"""The one door through which the audit trail may be erased: the project's `flush`.

The database refuses to delete audit events (migrations 0002 and 0003): on SQLite a
trigger refuses DELETE unless the SQL function `xundiao_audit_erase_permitted()` answers 1,
and that function exists only on the application's own connections (registered here when
a connection opens; the sqlite3 shell has no such function, so its DELETE fails too). On
PostgreSQL a trigger refuses TRUNCATE unless the session setting `xundiao.audit_erase` is
'on'. `erasure_permitted()` turns either on for one connection, only while `flush` runs
(Django's test teardown empties the database with it).
"""

from contextlib import contextmanager

from django.db import DatabaseError, connections

SQLITE_FUNCTION = "xundiao_audit_erase_permitted"
PG_SETTING = "xundiao.audit_erase"
_FLAG = "_xundiao_audit_erase_permitted"


def register_sqlite_function(sender, connection, **kwargs):
    """`connection_created` receiver: give each SQLite connection the guard's function."""
    if connection.vendor != "sqlite":
        return

    def permitted():
        return 1 if getattr(connection, _FLAG, False) else 0

    connection.connection.create_function(SQLITE_FUNCTION, 0, permitted)


@contextmanager
def erasure_permitted(using="default"):
    """Let the connection `using` delete audit events (Django's flush) inside the block."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET {PG_SETTING} = 'on'")
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f"RESET {PG_SETTING}")
            except DatabaseError:
                # A broken transaction cannot run RESET: drop the session and its setting.
                connection.close()
        return
    setattr(connection, _FLAG, True)
    try:
        yield
    finally:
        setattr(connection, _FLAG, False)
