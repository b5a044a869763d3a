"""The quantitative indicators of the 2023–2027 plan (DOMAIN.md), as editable data."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    # code, group, kind, window, min hours, or min days, description
    ("a-concentrated", "A", "concentrated", "rolling_5_years", "550", "90",
     "每5年参加集中培训累计不少于3个月或550学时"),
    ("a-online", "A", "online", "calendar_year", "50", None, "每年参加网络自学累计不少于50学时"),
    ("b-concentrated", "B", "concentrated", "calendar_year", "90", "12",
     "每年参加集中培训累计不少于12天或90学时"),
]


def load(apps, schema_editor):
    IndicatorRule = apps.get_model("dispatch", "IndicatorRule")
    for code, group, kind, window, hours, days, description in DEFAULTS:
        IndicatorRule.objects.get_or_create(
            code=code,
            version=1,
            defaults={
                "group": group,
                "kind": kind,
                "window": window,
                "min_hours": Decimal(hours),
                "alt_min_days": Decimal(days) if days else None,
                "hours_per_day": Decimal("8"),
                "effective_from": dt.date(2023, 1, 1),
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_ledger_rules_circulars")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
