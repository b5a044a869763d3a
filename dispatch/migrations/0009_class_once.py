from django.db import migrations
from django.db.models import Count

import core.twins


def refuse_twins(apps, schema_editor):
    """Classes already entered twice (the same name, institution and dates) would fail the
    constraint with a bare database error: name them, to be merged or renamed first."""
    TrainingClass = apps.get_model("dispatch", "TrainingClass")
    twins = (
        TrainingClass.objects.values("name", "institution_id", "start_date", "end_date")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
    )
    if twins:
        listed = "; ".join(
            f"{t['name']} (institution {t['institution_id']}, {t['start_date']}–{t['end_date']}, "
            f"{t['count']} classes)"
            for t in twins[:20]
        )
        raise RuntimeError(
            "Training classes entered twice; merge or rename them before migrating: " + listed
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0008_quota_nominated_by"),
    ]

    operations = [
        migrations.RunPython(refuse_twins, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="trainingclass",
            constraint=core.twins.TwinConstraint(
                fields=("name", "institution", "start_date", "end_date"),
                name="class_once",
                refusal="dispatch.twins.class_twin_refusal",
                field="name",
            ),
        ),
    ]
