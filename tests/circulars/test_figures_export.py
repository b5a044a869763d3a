"""An issued circular's figures download (Excel, CSV) from its process page: for those
who may open that page, as the PDF prints them; nothing for an unissued circular or one
out of reach."""

import datetime as dt

import pytest
from django.utils import timezone

from circulars.models import Circular, CircularStatus
from circulars.services import circular_figures
from dispatch.models import Dispatch, DispatchStatus
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import training_class

pytestmark = pytest.mark.django_db


def circular_of(world, status=CircularStatus.ISSUED):
    # One class per circular: two of the same name and dates would be twins.
    name = f"春季班（{CircularStatus(status).label}）"
    klass = training_class(world.city_od, world.school, dt.date(2026, 3, 2), name=name)
    for cadre, state in [(world.cadre_a, DispatchStatus.ATTENDED), (world.cadre_a1, "absent")]:
        Dispatch.objects.create(
            training_class=klass,
            cadre=cadre,
            unit=cadre.unit,
            status=state,
            confirm_due=timezone.now(),
        )
    start, end = dt.date(2026, 1, 1), dt.date(2026, 6, 30)
    return Circular.objects.create(
        org_department=world.city_od,
        period_kind="quarter",
        period_start=start,
        period_end=end,
        title="2026年上半年调训情况通报",
        figures=circular_figures(org_department=world.city_od, start=start, end=end),
        status=status,
        created_by=world.bob,
    )


def test_the_issued_circulars_figures_download_with_a_total_line(world, client):
    circular = circular_of(world)
    client.force_login(world.bob)
    rows = by_header(xlsx(client.get(f"/circulars/{circular.pk}/figures/?format=xlsx")))
    assert rows[-1][next(iter(rows[-1]))].value == "合计"
    assert [r for r in rows if world.a.name in str(r[next(iter(r))].value)]
    lines = csv_by_header(client.get(f"/circulars/{circular.pk}/figures/?format=csv"))
    assert len(lines) == len(rows)


def test_outsiders_and_unissued_circulars_get_nothing(world, client):
    issued = circular_of(world)
    draft = circular_of(world, status=CircularStatus.DRAFT)
    client.force_login(world.carol)  # the county: the city's department is not hers
    assert client.get(f"/circulars/{issued.pk}/figures/?format=xlsx").status_code == 404
    client.force_login(world.bob)
    assert client.get(f"/circulars/{draft.pk}/figures/?format=xlsx").status_code == 404
    assert client.post(f"/circulars/{issued.pk}/figures/").status_code == 405
    client.logout()
    assert client.get(f"/circulars/{issued.pk}/figures/").status_code == 302
