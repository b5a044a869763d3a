"""Probes of the action endpoints (contract: tests/api/probes.py). `ACTIONS` maps a route
name of the api namespace to an `Endpoint`; tests/api/test_api_permissions.py fails for a
route of api/ that has no row here or in tests/api/endpoints.py `READS`.

The task actions are probed on real Viewflow tasks of unit A (built once per `samples`
by `_tasks` and `_step_tasks`): a confirmation, an approval decision, an acknowledgement,
an attendance record, a nomination at each of its three steps, a filing to review and
one to correct, a makeup to schedule — each out of Charlie's reach (404). Each action's
full behaviour — the insider's success, 403 for a role lacking, 400, 409 — is in
tests/api/test_actions_*.py; the probes name no insider for a POST, which would change
the world the other probes share."""

from django.urls import reverse

from tests.api.probes import FILTERED, Endpoint


def _tasks(s):
    """Open tasks of unit A's dispatches, one per node an action completes (cached)."""
    if hasattr(s, "action_tasks"):
        return s.action_tasks
    from dispatch import services
    from dispatch.flows import DispatchFlow
    from dispatch.models import Dispatch
    from notifications.models import DocumentCounter, IssuedDocument
    from tests.factories import cadre
    from workflow.runtime import complete_task, open_task, processes_of

    w = s.world
    liaison = _liaison(s)
    # The samples' document was written without its number's counter: count it, so the
    # notices issued below take the next numbers.
    for issuer, year, number in IssuedDocument.objects.values_list("issuer_code", "year", "number"):
        DocumentCounter.objects.update_or_create(
            issuer_code=issuer, year=year, defaults={"last_number": number}
        )

    def started(person):
        dispatch = Dispatch.objects.create(
            roll_call=s.roll_call,
            training_class=s.klass,
            cadre=person,
            unit=person.unit,
            confirm_due=s.roll_call.response_deadline,
        )
        DispatchFlow.start_in_roll_call.run(dispatch=dispatch)
        return dispatch, processes_of(dispatch, DispatchFlow).get()

    def confirmed(dispatch, process):
        complete_task(
            open_task(process, "confirm"),
            liaison,
            lambda: services.dispatch_confirm(actor=liaison, dispatch=dispatch),
        )

    _d, to_confirm = started(cadre("探针一", w.a, w.city_od))
    d2, to_decide = started(cadre("探针二", w.a, w.city_od))
    complete_task(
        open_task(to_decide, "confirm"),
        liaison,
        lambda: services.dispatch_request(
            actor=liaison, dispatch=d2, kind="leave", reason="因公出差"
        ),
    )
    from approvals.flows import ApprovalFlow
    from approvals.models import ApprovalRequest

    approval = ApprovalRequest.objects.get(subject_id=d2.pk, kind="leave")
    d3, to_acknowledge = started(cadre("探针三", w.a, w.city_od))
    confirmed(d3, to_acknowledge)
    d4, to_record = started(cadre("探针四", w.a, w.city_od))
    confirmed(d4, to_record)
    complete_task(
        open_task(to_record, "acknowledge"),
        liaison,
        lambda: services.dispatch_acknowledge(actor=liaison, dispatch=d4),
    )
    s.action_tasks = {
        "confirm": open_task(to_confirm, "confirm").pk,
        "decide": open_task(processes_of(approval, ApprovalFlow).get(), "head_review").pk,
        "acknowledge": open_task(to_acknowledge, "acknowledge").pk,
        "attendance": open_task(to_record, "record_attendance").pk,
    }
    return s.action_tasks


def _liaison(s):
    """Unit A's liaison of the probes (made once)."""
    from tests.factories import user

    if not hasattr(s, "liaison"):
        s.liaison = user("probe-liaison", "unit_liaison", s.world.a)
    return s.liaison


def _step_tasks(s):
    """Open tasks of unit A's nominations (one per step), filings (to review, to correct)
    and makeup (to schedule), each of a process of its own (cached)."""
    if hasattr(s, "step_tasks"):
        return s.step_tasks
    import datetime as dt

    from dispatch import services
    from dispatch.flows import FilingFlow, MakeupFlow, NominationFlow, start_makeup
    from dispatch.models import QuotaAllocation, RollCall
    from tests.factories import cadre
    from workflow.runtime import complete_task, open_task, processes_of, start_process_as

    w, liaison = s.world, _liaison(s)
    people = iter(cadre(f"步骤{n}", w.a, w.city_od) for n in range(1, 6))

    def nomination(step):
        """A nomination of its own roll call (one allocation per unit and roll call),
        taken up to `step`."""
        roll_call = RollCall.objects.create(
            training_class=s.klass,
            org_department=w.city_od,
            mode="quota",
            response_deadline=s.roll_call.response_deadline,
            created_by=w.bob,
        )
        allocation = QuotaAllocation.objects.create(roll_call=roll_call, unit=w.a, seats=1)
        NominationFlow.start.run(allocation=allocation)
        process = processes_of(allocation, NominationFlow).get()
        nominee = next(people)
        if step != "nominate":
            complete_task(
                open_task(process, "nominate"),
                liaison,
                lambda: services.nomination_submit(
                    actor=liaison, allocation=allocation, cadres=[nominee]
                ),
            )
        if step == "dispatcher_review":
            complete_task(
                open_task(process, "head_approval"),
                w.alice,
                lambda: services.nomination_head_decide(
                    actor=w.alice, allocation=allocation, approve=True
                ),
            )
        return open_task(process, step).pk

    def filing(returned=False):
        start = dt.date.today() - dt.timedelta(days=10)
        filed = start_process_as(
            FilingFlow.start,
            liaison,
            lambda: services.filing_submit(
                actor=liaison,
                unit=w.a,
                title="外出学习",
                organizer_name="某大学",
                start_date=start,
                end_date=start + dt.timedelta(days=1),
                hours=16,
                participants=[next(people)],
            ),
        )
        process = processes_of(filed, FilingFlow).get()
        if returned:
            complete_task(
                open_task(process, "review"),
                w.bob,
                lambda: services.filing_review(
                    actor=w.bob, filing=filed, decision="returned", comment="请附日程"
                ),
            )
        return open_task(process, "correct" if returned else "review").pk

    start_makeup(s.makeup)
    schedule = open_task(processes_of(s.makeup, MakeupFlow).get(), "schedule")
    s.step_tasks = {
        "nominate": nomination("nominate"),
        "approve-nomination": nomination("head_approval"),
        "review-nomination": nomination("dispatcher_review"),
        "review-filing": filing(),
        "correct-filing": filing(returned=True),
        "schedule-makeup": schedule.pk,
    }
    return s.step_tasks


def _task_url(action, node=None):
    return lambda s: reverse(f"api:action-task-{action}", args=[_tasks(s)[node or action]])


def _step_probe(action, data):
    return Endpoint(
        url=lambda s: reverse(f"api:action-task-{action}", args=[_step_tasks(s)[action]]),
        outsider=_charlie,
        expect=404,
        method="post",
        data=data,
    )


def _hour_import(s):
    from ledger.models import HourImport

    if not hasattr(s, "hour_import"):
        s.hour_import = HourImport.objects.create(uploaded_by=s.world.bob, file_name="hours.csv")
    return s.hour_import.pk


def _notice(s):
    """Dave's notice awaiting 签收: its dispatch notified (a named one has no notice to
    acknowledge: `dispatch.acknowledgement`)."""
    from dispatch.models import Dispatch

    Dispatch.objects.filter(pk=s.dispatch_a.pk).update(status="notified")
    return s.notification.pk


def _charlie(s):
    return s.world.charlie


def _task_probe(action, node=None, data=None):
    return Endpoint(
        url=_task_url(action, node),
        outsider=_charlie,
        expect=404,
        method="post",
        data=data,
    )


ACTIONS = {
    "api:action-task-list": Endpoint(
        url=lambda s: reverse("api:action-task-list"),
        outsider=_charlie,
        expect=FILTERED,
        hidden=lambda s: _tasks(s)["confirm"],
        insider=lambda s: (_tasks(s), s.liaison)[1],
    ),
    "api:action-task-detail": Endpoint(
        url=lambda s: reverse("api:action-task-detail", args=[_tasks(s)["confirm"]]),
        outsider=_charlie,
        expect=404,
        insider=lambda s: (_tasks(s), s.liaison)[1],
    ),
    "api:action-task-confirm": _task_probe("confirm"),
    "api:action-task-request": _task_probe(
        "request", "confirm", data=lambda s: {"kind": "leave", "reason": "因公出差"}
    ),
    "api:action-task-acknowledge": _task_probe("acknowledge"),
    "api:action-task-attendance": _task_probe("attendance", data=lambda s: {"result": "present"}),
    "api:action-task-decide": _task_probe("decide", data=lambda s: {"decision": "approved"}),
    "api:action-task-nominate": _step_probe("nominate", lambda s: {"cadres": [s.world.cadre_a.pk]}),
    "api:action-task-approve-nomination": _step_probe(
        "approve-nomination", lambda s: {"decision": "approve"}
    ),
    "api:action-task-review-nomination": _step_probe(
        "review-nomination", lambda s: {"decision": "accept"}
    ),
    "api:action-task-review-filing": _step_probe(
        "review-filing", lambda s: {"decision": "accepted"}
    ),
    "api:action-task-correct-filing": _step_probe("correct-filing", lambda s: {"title": "改"}),
    "api:action-task-schedule-makeup": _step_probe(
        "schedule-makeup", lambda s: {"training_class": s.klass.pk}
    ),
    # A trainee issues no roll call, a dispatcher files nothing: 403 before any input.
    "api:action-rollcall-list": Endpoint(
        url=lambda s: reverse("api:action-rollcall-list"),
        outsider=lambda s: s.world.dave,
        expect=403,
        method="post",
        data=lambda s: {"training_class": s.klass.pk, "mode": "named", "cadres": []},
    ),
    "api:action-filing-list": Endpoint(
        url=lambda s: reverse("api:action-filing-list"),
        outsider=lambda s: s.world.bob,
        expect=403,
        method="post",
        data=lambda s: {"unit": s.world.a.pk},
    ),
    "api:action-class-attendance": Endpoint(
        url=lambda s: reverse("api:action-class-attendance", args=[s.klass.pk]),
        outsider=_charlie,
        expect=404,
        method="post",
        data=lambda s: {"rows": [{"dispatch": s.dispatch_a.pk, "result": "present"}]},
    ),
    "api:action-class-correct-attendance": Endpoint(
        url=lambda s: reverse(
            "api:action-class-correct-attendance", args=[s.klass.pk, s.dispatch_a.pk]
        ),
        outsider=_charlie,
        expect=404,
        method="post",
        data=lambda s: {"result": "present", "reason": "登记有误"},
    ),
    "api:action-hourimport-list": Endpoint(
        url=lambda s: reverse("api:action-hourimport-list"),
        outsider=lambda s: s.world.dave,
        expect=403,
        method="post",
    ),
    "api:action-hourimport-detail": Endpoint(
        url=lambda s: reverse("api:action-hourimport-detail", args=[_hour_import(s)]),
        outsider=lambda s: s.world.carol,  # only the uploader sees an import
        expect=404,
        insider=lambda s: s.world.bob,
    ),
    "api:action-hourimport-commit": Endpoint(
        url=lambda s: reverse("api:action-hourimport-commit", args=[_hour_import(s)]),
        outsider=lambda s: s.world.carol,
        expect=404,
        method="post",
    ),
    "api:action-notification-acknowledge": Endpoint(
        url=lambda s: reverse("api:action-notification-acknowledge", args=[_notice(s)]),
        outsider=lambda s: s.world.alice,  # Dave's notification
        expect=404,
        method="post",
        insider=lambda s: s.world.dave,
    ),
}
