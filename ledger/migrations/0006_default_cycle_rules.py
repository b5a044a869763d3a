"""The training cycles of leadership-team members and outstanding young cadres in the
2023–2027 plan, as editable data (the once-every-N-years rule may be revised to 2)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    # kind, years, minimum days, description
    ("leader_systematic", 3, None, "领导班子成员每2至3年至少参加1次系统培训"),
    ("leader_concentrated", 5, "60", "领导班子成员5年内累计参加集中培训不少于2个月"),
    ("young_rotation", 5, None, "优秀年轻干部5年内轮训一遍"),
]


def load(apps, schema_editor):
    Rule = apps.get_model("ledger", "CadreCycleRule")
    for kind, years, days, description in DEFAULTS:
        Rule.objects.get_or_create(
            kind=kind,
            version=1,
            defaults={
                "years": years,
                "min_days": Decimal(days) if days else None,
                "hours_per_day": Decimal("8"),
                "effective_from": dt.date(2023, 1, 1),
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0005_cadre_cycle_rules")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
