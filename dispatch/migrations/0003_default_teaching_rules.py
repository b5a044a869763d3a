"""The class teaching indicators of the 2023–2027 plan, as editable data."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    # measure, minimum share in percent, description
    ("theory_party_spirit", "70", "理论教育和党性教育课程不少于总课时的70%"),
    ("party_spirit", "20", "党性教育课程不少于总课时的20%"),
    ("case_teaching", "15", "案例教学不少于总课时的15%"),
    ("interactive", "20", "研讨式、体验式等互动教学不少于总课时的20%"),
    ("leading_cadres", "20", "领导干部上讲台授课不少于总课时的20%"),
]


def load(apps, schema_editor):
    Rule = apps.get_model("dispatch", "TeachingIndicatorRule")
    for measure, percent, description in DEFAULTS:
        Rule.objects.get_or_create(
            measure=measure,
            version=1,
            defaults={
                "min_percent": Decimal(percent),
                "effective_from": dt.date(2023, 1, 1),
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0002_curriculum")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
