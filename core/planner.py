"""Hints for SQLite's query planner.

SQLite without `ANALYZE` statistics assumes that an equality on any indexed column finds
about ten rows. Viewflow's task table has an index on `status`, so a correlated
subquery "the open task of this row's process" is planned as a walk over every task of
that status (10,000 open tasks: 10,000 rows per row of the page), not as a lookup of the
row's process on its artifact index and of that process's tasks. `Unindexed(column)` keeps
the column out of the index choice on SQLite (the unary plus of SQLite's documentation,
a no-op on the value); elsewhere it is the plain column."""

from django.db.models import Func


class Unindexed(Func):
    """The column itself, which SQLite's planner may not look up through an index."""

    template = "%(expressions)s"
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="+%(expressions)s", **extra_context)

    @property
    def output_field(self):
        return self.source_expressions[0].output_field
