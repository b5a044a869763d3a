from django.db import migrations, models
from django.db.models import Count


def refuse_twins(apps, schema_editor):
    """Surveys already opened twice for a department and year would fail the constraint
    with a bare database error: name them, to be settled first."""
    Survey = apps.get_model("surveys", "Survey")
    twins = (
        Survey.objects.values("org_department_id", "year")
        .annotate(count=Count("pk"))
        .filter(count__gt=1)
    )
    if twins:
        listed = "; ".join(
            f"organization department {t['org_department_id']}, {t['year']} ({t['count']} surveys)"
            for t in twins[:20]
        )
        raise RuntimeError("Needs surveys opened twice; settle them before migrating: " + listed)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_surveys"),
    ]

    operations = [
        migrations.RunPython(refuse_twins, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="survey",
            constraint=models.UniqueConstraint(
                fields=("org_department", "year"), name="survey_once_a_year"
            ),
        ),
    ]
