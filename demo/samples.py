"""The demo city's data for the sample documents (`manage.py sample_documents`):
registered with `notifications.documents.samples` in `DemoConfig.ready`."""

from django.db import DatabaseError
from django.utils import timezone

from dispatch.documents import issuer_of
from dispatch.models import TrainingClass
from notifications.documents.builders import CadreRow, ClassInfo
from notifications.documents.samples import CADRES_ON_NOTICE
from org.models import Cadre, OrgDepartment


def document_sample_data():
    """(issuer, class, cadres) from the demo database, or None when there is none."""
    try:
        od = OrgDepartment.objects.select_related("unit").order_by("unit__path").first()
        # A class still to come, as a notice issued today would be about (the first
        # one when every class has begun).
        classes = (
            TrainingClass.objects.select_related("institution__unit")
            .filter(organizer=od)
            .order_by("start_date", "id")
        )
        tc = classes.filter(start_date__gt=timezone.localdate()).first() or classes.first()
        if od is None or tc is None:
            return None
        cadres = list(
            Cadre.objects.select_related("unit").filter(managing_org_department=od)[
                :CADRES_ON_NOTICE
            ]
        )
        rare = list(Cadre.objects.select_related("unit").filter(name__regex=r"[堃玥喆镕]")[:4])
    except DatabaseError:  # no tables yet
        return None
    if not cadres:
        return None
    rows = {c.pk: c for c in rare + cadres}
    issuer = issuer_of(od)
    info = ClassInfo(
        name=tc.name,
        institution=tc.institution.unit.name,
        location=tc.location,
        start_date=tc.start_date,
        end_date=tc.end_date,
        report_date=tc.report_date,
        credit_hours=tc.credit_hours,
    )
    cadre_rows = [
        CadreRow(
            name=c.name,
            unit=c.unit.name,
            position=c.position,
            id_number=c.masked_id_number,
        )
        for c in list(rows.values())[:CADRES_ON_NOTICE]
    ]
    return issuer, info, cadre_rows
