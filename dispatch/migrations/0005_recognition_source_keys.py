"""Recognition requests were keyed by a timestamp, so the same hours could be asked for
twice. Re-key them by what they are about (cadre, provider, day, kind), as
`dispatch.services.ledger.recognition_key` does; requests already duplicated get
sequence numbers, oldest first. (The old keys, `recognition:<cadre>:<timestamp>`, can
never equal a new one, so the rows are re-keyed one by one.)"""

import hashlib

from django.db import migrations


def rekey(apps, schema_editor):
    HourRecord = apps.get_model("dispatch", "HourRecord")
    seen: dict[str, int] = {}
    for record in HourRecord.objects.filter(source="recognition").order_by("id"):
        provider = " ".join(record.note.split("：", 1)[0].split()).casefold()
        text = f"{record.cadre_id}|{provider}|{record.date.isoformat()}|{record.kind}"
        base = "recognition:" + hashlib.sha1(text.encode()).hexdigest()
        sequence = seen.get(base, 0)
        seen[base] = sequence + 1
        record.source_key = f"{base}:{sequence}"
        record.save(update_fields=["source_key"])


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0004_default_indicator_rules")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
