"""The quantitative indicators of the 2023–2027 plan (DOMAIN.md, the table
干部教育培训量化指标), as editable data: each rule names its group's cadre categories."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

GROUP_CATEGORIES = {
    # county-level-and-above leaders; civil servants at 四级调研员 and above; SOE leaders of
    # equivalent level; public institution staff at management grade 6 and above
    "A": ["county_leader", "pi_senior", "senior_civil_servant", "soe_leader"],
    # section-level leaders; civil servants at 一级主任科员 and below; other SOE/public
    # institution managers; professional and technical staff
    "B": ["civil_servant", "other_manager", "professional", "section_leader"],
}

DEFAULTS = [
    # code, group, kind, window, min hours, or min days, description
    ("a-concentrated", "A", "concentrated", "rolling_5_years", "550", "90",
     "每5年参加集中培训累计不少于3个月或550学时"),
    ("a-online", "A", "online", "calendar_year", "50", None, "每年参加网络自学累计不少于50学时"),
    ("b-concentrated", "B", "concentrated", "calendar_year", "90", "12",
     "每年参加集中培训累计不少于12天或90学时"),
]


def load(apps, schema_editor):
    IndicatorRule = apps.get_model("ledger", "IndicatorRule")
    for code, group, kind, window, hours, days, description in DEFAULTS:
        IndicatorRule.objects.get_or_create(
            code=code,
            version=1,
            defaults={
                "group": group,
                "categories": GROUP_CATEGORIES[group],
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
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
