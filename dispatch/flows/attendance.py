"""Recording a whole class's attendance from its roster: each row through the
`attendance_record` service, completing the dispatch's record_attendance task; and
correcting one recorded attendance, starting the makeup's flow it may owe."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event
from dispatch.models import (
    AttendanceResult,
    Dispatch,
)
from dispatch.notices import makeups_told_together
from dispatch.policy import attendance_outcome, attendance_refusal, require_attendance_open
from dispatch.services.attendance_corrections import CorrectionOutcome, attendance_correct
from dispatch.services.dispatching import attendance_record
from org.policy import require_any


@transaction.atomic
def class_attendance_record(*, actor, training_class, rows) -> list[Dispatch]:
    """The institution records attendance for many dispatches of one class at once (the
    class roster). `rows` maps a dispatch id to `(result, leave_hours)`; each row is
    recorded by `attendance_record` and completes the dispatch's open attendance task, as
    its task page would, so each flow moves on (hours credited, makeup owed).

    All or nothing: every row is checked first, and a row not awaiting attendance (recorded
    meanwhile by someone else), a task another person has claimed (theirs to record), an
    unknown result or leave hours out of range raise one ValidationError keyed by the
    dispatch id (a string); nothing is recorded."""
    from django.contrib.contenttypes.models import ContentType
    from viewflow.workflow.status import STATUS

    from dispatch.flows.dispatch import DispatchFlow
    from workflow.models import ScopedTask

    require_any(actor, ("record_attendance",), training_class.institution.unit)
    require_attendance_open(training_class)
    ids = [int(pk) for pk in rows]
    dispatches = {
        d.pk: d
        for d in Dispatch.objects.filter(training_class=training_class, pk__in=ids).select_related(
            "cadre"
        )
    }
    tasks = {
        task.process.artifact_object_id: task
        for task in ScopedTask.objects.filter(
            flow_task=DispatchFlow.record_attendance,
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
            process__artifact_content_type=ContentType.objects.get_for_model(Dispatch),
            process__artifact_object_id__in=list(dispatches),
        ).select_related("process", "owner")
    }

    def claimed_by_other(task, dispatch):
        if task.owner_id is None or task.owner_id == actor.pk:
            return None
        return _(
            "%(cadre)s: %(owner)s has claimed this attendance task; it is theirs to record, "
            "or to release first."
        ) % {"cadre": dispatch.cadre.name, "owner": task.owner.get_full_name() or task.owner}

    errors: dict[str, list] = {}
    for pk, (result, leave_hours) in zip(ids, rows.values(), strict=True):
        dispatch, task = dispatches.get(pk), tasks.get(pk)
        if dispatch is None or task is None:
            recorded = dispatch is not None and dispatch.attendance
            errors[str(pk)] = [
                _("This step has already been completed by someone else.")
                if recorded
                else _("This dispatch is not awaiting attendance.")
            ]
        elif message := claimed_by_other(task, dispatch):
            errors[str(pk)] = [message]
        elif result not in AttendanceResult.values:
            errors[str(pk)] = [_("Choose present, absent or withdrawn.")]
        elif not 0 <= Decimal(leave_hours or 0) <= training_class.credit_hours:
            errors[str(pk)] = [_("Leave hours must lie between 0 and the class hours.")]
        elif message := attendance_refusal(
            training_class, attendance_outcome(training_class, result, Decimal(leave_hours or 0))
        ):
            errors[str(pk)] = [message]
    if errors:
        raise ValidationError(errors)

    done = []
    with makeups_told_together():
        _record_rows(actor, ids, rows, dispatches, tasks, claimed_by_other, done)
    record_event(
        actor=actor,
        verb="class.attendance",
        target=training_class,
        after={"dispatches": [d.pk for d in done]},
    )
    return done


def _record_rows(actor, ids, rows, dispatches, tasks, claimed_by_other, done) -> None:
    """Each checked row recorded through its dispatch's attendance task (appended to
    `done`); a row completed by someone else since the check refuses the whole."""
    from viewflow.fsm import TransitionNotAllowed

    from workflow.runtime import complete_task

    for pk, (result, leave_hours) in zip(ids, rows.values(), strict=True):
        dispatch, task = dispatches[pk], tasks[pk]

        def perform(dispatch=dispatch, task=task, result=result, leave_hours=leave_hours):
            # Re-read under the process lock: claimed by someone else since the check?
            if message := claimed_by_other(task, dispatch):
                raise ValidationError(message)
            return attendance_record(
                actor=actor, dispatch=dispatch, result=result, leave_hours=leave_hours or 0
            )

        try:
            done.append(complete_task(task, actor, perform))
        except TransitionNotAllowed as exc:  # completed by someone else since the check
            raise ValidationError(
                {str(pk): [_("This step has already been completed by someone else.")]}
            ) from exc
        except ValidationError as exc:
            raise ValidationError({str(pk): exc.messages}) from exc


@transaction.atomic
def attendance_correct_and_continue(
    *, actor, dispatch, result, leave_hours, reason
) -> CorrectionOutcome:
    """Correct a recorded attendance (`attendance_correct`) and carry the flows along: a
    makeup the correction makes owed — absent or withdrawn after all — gets its
    MakeupFlow, as `DispatchFlow.report_outcome` starts one after a first record. (The
    makeup a correction cancels has its flow ended by the service.)"""
    from dispatch.flows.dispatch import start_makeup

    outcome = attendance_correct(
        actor=actor, dispatch=dispatch, result=result, leave_hours=leave_hours, reason=reason
    )
    if outcome.makeup_owed is not None:
        start_makeup(outcome.makeup_owed)
    return outcome
