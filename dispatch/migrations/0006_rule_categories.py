"""Indicator rules name the cadre categories they are for (DOMAIN.md, the table
干部教育培训量化指标: group, categories, requirement). Every existing rule applied to its
whole group, so it is filled with that group's categories as the table lists them."""

from django.db import migrations, models

GROUP_CATEGORIES = {
    # county-level-and-above leaders; civil servants at 四级调研员 and above; SOE leaders of
    # equivalent level; public institution staff at management grade 6 and above
    "A": ["county_leader", "pi_senior", "senior_civil_servant", "soe_leader"],
    # section-level leaders; civil servants at 一级主任科员 and below; other SOE/public
    # institution managers; professional and technical staff
    "B": ["civil_servant", "other_manager", "professional", "section_leader"],
}


def fill(apps, schema_editor):
    IndicatorRule = apps.get_model("dispatch", "IndicatorRule")
    for group, categories in GROUP_CATEGORIES.items():
        IndicatorRule.objects.filter(group=group).update(categories=categories)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0005_recognition_source_keys")]

    operations = [
        migrations.AddField(
            model_name="indicatorrule",
            name="categories",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "The categories of the group this rule is for; none means the whole "
                    "group. For a cadre, of the rules of one kind, the one for the fewest "
                    "categories applies."
                ),
                verbose_name="cadre categories",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
