"""A partial index on the absent dispatches, for the circular's list of absentees.

The circular names every unexcused absentee of the period (about one dispatch in twelve
in the benchmark's million). With this index PostgreSQL reads them from a small index
(index-only, once the table has been vacuumed) instead of visiting a third of the
dispatches table's pages. The index belongs to the circular's query, so it lives here
and not in the dispatch model's Meta (docs/performance.md, "Circular figures")."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("circulars", "0002_issuing_in_a_task"),
        ("dispatch", "0004_session_method"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX dispatch_absent_idx ON dispatch_dispatch "
            "(unit_id, training_class_id, cadre_id, id) WHERE status = 'absent'",
            "DROP INDEX dispatch_absent_idx",
        ),
    ]
