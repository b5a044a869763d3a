"""Official documents for the dispatch domain: turn roll calls, dispatches and makeups
into the plain data the documents service (`notifications`) renders and numbers.

The admission notice (入学通知) of one trainee is issued in the same transaction as the
dispatch step that sends it, so its number is the dispatch's notice reference. The
dispatch notice (调训通知) of a whole roll call can run to many pages; it is queued after
commit as a Celery task (run in-process when no broker is configured).
"""

from django.db import transaction
from django.utils import timezone

from notifications.documents import builders
from notifications.documents.context import Issuer
from notifications.services import issue_document


def issuer_of(org_department) -> Issuer:
    seal = org_department.seal.path if org_department.seal else None
    return Issuer(name=org_department.unit.name, code=org_department.issuer_code, seal=seal)


def _issuer_data(org_department) -> dict:
    issuer = issuer_of(org_department)
    return {"name": issuer.name, "code": issuer.code, "seal": issuer.seal}


def class_info(training_class) -> dict:
    return {
        "name": training_class.name,
        "start_date": training_class.start_date,
        "end_date": training_class.end_date,
        "report_date": training_class.report_date,
        "location": training_class.location,
        "institution": training_class.institution.unit.name,
        "credit_hours": str(training_class.credit_hours),
    }


def cadre_row(cadre) -> dict:
    return {
        "name": cadre.name,
        "unit": cadre.unit.name,
        "position": cadre.position,
        "id_number": cadre.masked_id_number,
        "gender": cadre.get_gender_display(),
    }


def issuing_department(dispatch):
    """Who signs a dispatch's notices: the roll call's department, else the cadre's."""
    if dispatch.roll_call_id:
        return dispatch.roll_call.org_department
    return dispatch.cadre.managing_org_department


def issue_admission_notice(dispatch):
    """入学通知 to one trainee, numbered now; returns the IssuedDocument."""
    department = issuing_department(dispatch)
    context = builders.admission_notice(
        issuer=issuer_of(department),
        training_class=class_info(dispatch.training_class),
        trainee=cadre_row(dispatch.cadre),
        date=timezone.localdate(),
        printed_by=department.unit.name,
    )
    return issue_document(actor=None, kind="admission_notice", context=context, subject=dispatch)


def dispatch_notice_context(roll_call, dispatches):
    department = roll_call.org_department
    rows = [
        cadre_row(d.cadre)
        for d in sorted(dispatches, key=lambda d: (d.cadre.unit.path, d.cadre.name))
    ]
    return builders.dispatch_notice(
        issuer=issuer_of(department),
        training_class=class_info(roll_call.training_class),
        cadres=rows,
        date=timezone.localdate(),
        printed_by=department.unit.name,
    )


def issue_dispatch_notice(roll_call, dispatches):
    """调训通知 for the roll call (附件1 the named cadres, 附件2 the reply slip)."""
    return issue_document(
        actor=None,
        kind="dispatch_notice",
        context=dispatch_notice_context(roll_call, dispatches),
        subject=roll_call,
    )


def queue_announcement(roll_call, dispatches):
    """After commit, issue the dispatch notice and tell each trainee and unit — in a
    Celery worker when one is configured. If the broker cannot take the task, it runs
    here, so nothing is lost."""
    from kombu.exceptions import OperationalError

    from .tasks import announce_dispatches

    ids = [d.pk for d in dispatches]

    def enqueue():
        try:
            announce_dispatches.delay(roll_call.pk, ids)
        except OperationalError:
            announce_dispatches(roll_call.pk, ids)

    transaction.on_commit(enqueue)


def issue_makeup_notice(dispatch):
    """补训通知 for a makeup dispatch, numbered now."""
    makeup = dispatch.makes_up
    department = issuing_department(dispatch)
    context = builders.makeup_notice(
        issuer=issuer_of(department),
        makeup_class=class_info(dispatch.training_class),
        cadres=[
            {
                "name": dispatch.cadre.name,
                "unit": dispatch.unit.name,
                "position": dispatch.cadre.position,
                "missed_class": makeup.source.training_class.name,
                "reason": makeup.get_reason_label(),
            }
        ],
        date=timezone.localdate(),
        deadline=makeup.due_date,
        printed_by=department.unit.name,
    )
    return issue_document(actor=None, kind="makeup_notice", context=context, subject=dispatch)
