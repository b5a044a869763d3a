"""Each follow-up remembers when its head was reminded (`services.follow_up_remind`). A
follow-up reminded before this field existed is found by its reminder's notification
key (`follow_up:<pk>:reminder`), so that a batched reminder does not remind it again."""

import re

from django.db import migrations, models

KEY = re.compile(r"^follow_up:(\d+):reminder$")


def mark_reminded(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    FollowUp = apps.get_model("feedback", "FollowUp")
    first: dict[int, object] = {}
    rows = Notification.objects.filter(key__startswith="follow_up:", key__endswith=":reminder")
    for key, created_at in rows.values_list("key", "created_at").iterator():
        match = KEY.match(key)
        if match:
            pk = int(match.group(1))
            if pk not in first or created_at < first[pk]:
                first[pk] = created_at
    for pk, at in first.items():
        FollowUp.objects.filter(pk=pk).update(reminded_at=at)


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0004_follow_up_months_message"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reminded at"),
        ),
        migrations.RunPython(mark_reminded, migrations.RunPython.noop),
    ]
