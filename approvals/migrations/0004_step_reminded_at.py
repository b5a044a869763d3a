"""Each approval step remembers when it was reminded (`services.steps_remind`). A step
reminded before this field existed is found by its reminder's notification key
(`approval:<request>:step:<step>:reminder-<n>d` or `…:due`), so that the first batched
reminder does not remind it again."""

import re

from django.db import migrations, models

KEY = re.compile(r"^approval:\d+:step:(\d+):(?:reminder-\d+d|due)$")


def mark_reminded(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    ApprovalStep = apps.get_model("approvals", "ApprovalStep")
    first: dict[int, object] = {}
    rows = Notification.objects.filter(key__startswith="approval:", event="reminder")
    for key, created_at in rows.values_list("key", "created_at").iterator():
        match = KEY.match(key)
        if match:
            step = int(match.group(1))
            if step not in first or created_at < first[step]:
                first[step] = created_at
    for step, at in first.items():
        ApprovalStep.objects.filter(pk=step).update(reminded_at=at)


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0003_step_due_at"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="approvalstep",
            name="reminded_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="reminded at"),
        ),
        migrations.RunPython(mark_reminded, migrations.RunPython.noop),
    ]
