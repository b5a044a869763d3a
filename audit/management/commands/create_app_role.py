"""PostgreSQL: create (or bring up to date) the login role the application connects as.

Run by the DBA as the role that owns the tables and runs `migrate`. The application role is
not a superuser and owns no table, so it can neither TRUNCATE the audit trail nor DISABLE
its triggers; it may read and write every table except that the audit trail only takes
SELECT and INSERT. Default privileges give it the same rights on tables and sequences that
later migrations (run by the owner) create.
"""

from getpass import getpass

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from audit.models import AuditEvent


class Command(BaseCommand):
    help = (
        "PostgreSQL: create or update the application's LOGIN role (no superuser, owns no "
        "table; read/write on every table, SELECT and INSERT only on the audit trail). Run "
        "as the tables' owner."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="name of the role the application logs in as")
        parser.add_argument(
            "--password",
            nargs="?",
            const="",
            default=None,
            help="set the role's password (without a value: asked for on the terminal)",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, name, password, database, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            raise CommandError("create_app_role is for PostgreSQL databases only.")
        if password == "":
            password = getpass("Password: ")
            if not password or password != getpass("Password (again): "):
                raise CommandError("The passwords are empty or do not match.")
        quote = connection.ops.quote_name
        role, audit = quote(name), quote(AuditEvent._meta.db_table)
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_schema(), current_database()")
            owner, schema, dbname = cursor.fetchone()
            if name == owner:
                raise CommandError(f"{name} is the role running this command (the owner).")
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tableowner = %s",
                [schema, name],
            )
            if cursor.fetchone()[0]:
                raise CommandError(f"{name} owns tables; the application role must own none.")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            schema, dbname = quote(schema), quote(dbname)
            statements = [
                f"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                "NOREPLICATION NOBYPASSRLS",
                f"GRANT CONNECT ON DATABASE {dbname} TO {role}",
                f"GRANT USAGE ON SCHEMA {schema} TO {role}",
                # Start from nothing, so running the command again also takes rights away.
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
                f"REVOKE UPDATE, DELETE ON {audit} FROM {role}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
                f"GRANT USAGE, SELECT ON SEQUENCES TO {role}",
            ]
            for statement in statements:
                cursor.execute(statement)
            if password:
                cursor.execute(f"ALTER ROLE {role} PASSWORD %s", [password])
        self.stdout.write(
            f"role {name}: LOGIN, not superuser; read/write on the tables of {schema}, "
            f"SELECT and INSERT only on {AuditEvent._meta.db_table}."
        )
