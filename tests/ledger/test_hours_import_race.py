"""Two hour imports committed at the same moment: the cadre's row lock makes the second
count the first's hours, so no day of a cadre passes 24 online hours."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from ledger.models import HourRecord
from ledger.services import hours_import_commit, hours_import_preview
from tests.racing import postgresql_only, together


def preview(world, day: str, course: str, hours: str):
    row = f"{world.cadre_a.id_number},王堃,{day},{hours},{course},网院"
    text = f"身份证号码,姓名,学习日期,学时,课程,平台\n{row}\n"
    upload = SimpleUploadedFile("hours.csv", text.encode("utf-8"), content_type="text/csv")
    hour_import = hours_import_preview(actor=world.bob, upload=upload, name="hours.csv")
    assert not hour_import.lines.exclude(errors="").exists()  # each alone is fine
    return hour_import


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_imports_committed_at_once_never_pass_24_hours_on_a_day(world):
    for round_ in range(3):
        day = f"2026-03-0{round_ + 1}"
        first = preview(world, day, "党史", "14")
        second = preview(world, day, "党章", "14")

        outcomes = together(
            *(
                lambda batch=batch: hours_import_commit(actor=world.bob, hour_import=batch)
                for batch in (first, second)
            )
        )

        kinds = sorted(kind for kind, _result in outcomes)
        assert kinds == ["error", "ok"], (round_, outcomes)
        refusal = next(result for kind, result in outcomes if kind == "error")
        assert isinstance(refusal, ValidationError), refusal
        assert "其间已为" in " ".join(refusal.messages)
        total = HourRecord.objects.filter(cadre=world.cadre_a, kind="online", date=day).aggregate(
            total=Sum("hours")
        )["total"]
        assert total == Decimal("14"), round_
