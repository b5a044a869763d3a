"""Walk the demo city through every stage of dispatch, through the same services and
flows the pages use, so the demo shows a dispatch in each status.

It runs once, on a database that has no roll call yet, in the order of the days things
happened: the classes already over or under way were named, confirmed and acknowledged
before they began, so those steps run on their days (`demo.clock`), and their notices,
numbers and deadlines are those of that day; what is still ahead happens today.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from approvals.flows import ApprovalFlow
from approvals.models import ApprovalRequest
from approvals.services import step_decide
from approvals.views import step_for_task
from core.deadlines import close_of_business
from demo import clock
from dispatch import services
from dispatch.flows import DispatchFlow, FilingFlow, NominationFlow, RollCallFlow, cancel_roll_call
from dispatch.models import QuotaAllocation, RollCall, TrainingClass
from feedback.services import follow_up_setting_save
from org.models import Cadre, Unit
from workflow.runtime import complete_task, open_task, processes_of, start_process_as

#: the class that is over: its trainees attended (their feedback: demo.steps.s30_feedback)
FINISHED_CLASS = "全市处科级干部进修班（第一期）"
#: its trainees with logins (the demo's trainee accounts of three units)
FINISHED_TRAINEES = [
    "xx-fgw.trainee1",
    "xx-fgw.trainee2",
    "xx-jyj.trainee1",
    "xx-jyj.trainee2",
    "xx-ct.trainee1",
    "xx-ct.trainee2",
]
#: how long before its class a roll call is issued, and its dispatches answered
NAMED_BEFORE, ANSWERED_BEFORE = dt.timedelta(days=14), dt.timedelta(days=12)


def _user(username):
    return get_user_model().objects.get(username=username)


def _cadres(code, count, skip=3):
    """Staff of a unit (after its leaders), in a stable order."""
    return list(Cadre.objects.filter(unit__code=code).order_by("id")[skip : skip + count])


def _roll_call(dispatcher, training_class, *, cadres=(), allocations=(), days=7):
    today = timezone.localdate()
    deadline = close_of_business(
        min(today + dt.timedelta(days=days), training_class.start_date - dt.timedelta(days=1))
    )
    if deadline <= timezone.now():  # a class starting tomorrow, named this evening
        deadline = close_of_business(training_class.start_date) - dt.timedelta(hours=19)
    return start_process_as(
        RollCallFlow.start,
        dispatcher,
        lambda: services.roll_call_issue(
            actor=dispatcher,
            training_class=training_class,
            mode="named" if cadres else "quota",
            response_deadline=deadline,
            cadres=cadres,
            allocations=allocations,
        ),
    )


def _announce(roll_call):
    """Issue the roll call's 调训通知 now, for all its dispatches, before any of their
    admission notices (the queued announcement would run only when the seed commits,
    after the demo has moved them on)."""
    from dispatch import documents

    ids = list(roll_call.dispatches.values_list("pk", flat=True))
    return documents.announce(roll_call.pk, ids)


def _process(dispatch):
    return processes_of(dispatch, DispatchFlow).get()


def _confirm(dispatch, liaison):
    task = open_task(_process(dispatch), "confirm")
    complete_task(
        task, liaison, lambda: services.dispatch_confirm(actor=liaison, dispatch=dispatch)
    )


def _request(dispatch, liaison, kind, reason):
    task = open_task(_process(dispatch), "confirm")
    complete_task(
        task,
        liaison,
        lambda: services.dispatch_request(
            actor=liaison, dispatch=dispatch, kind=kind, reason=reason
        ),
    )


def _decide(request, node, user, decision="approved", comment=""):
    process = processes_of(request, ApprovalFlow).get()
    task = open_task(process, node)

    def perform():
        activation = task.flow_task.activation_class(task)
        return step_decide(
            actor=user, step=step_for_task(activation), decision=decision, comment=comment
        )

    complete_task(task, user, perform)


def _acknowledge(dispatch, user):
    task = open_task(_process(dispatch), "acknowledge")
    complete_task(
        task,
        user,
        lambda: services.dispatch_acknowledge(actor=user, dispatch=dispatch, ip="127.0.0.1"),
    )


def _attend(dispatch, registrar, result, leave_hours=0):
    task = open_task(_process(dispatch), "record_attendance")
    complete_task(
        task,
        registrar,
        lambda: services.attendance_record(
            actor=registrar, dispatch=dispatch, result=result, leave_hours=leave_hours
        ),
    )


def _dispatch_of(roll_call, cadre):
    return roll_call.dispatches.get(cadre=cadre)


def _ledger_history(today):
    """Past hours for every cadre (classes, online study), so compliance shows a spread."""
    import random

    from ledger.models import HourKind, HourRecord, HourSource

    rng = random.Random(7)
    records = []
    for cadre_id in Cadre.objects.order_by("id").values_list("id", flat=True):
        appetite = rng.random()  # some cadres train a lot, some hardly at all
        for n in range(rng.randint(0, 8)):
            day = today - dt.timedelta(days=rng.randint(1, 5 * 365))
            online = rng.random() < 0.4
            hours = rng.choice([2, 4, 6, 8, 12]) if online else rng.choice([24, 40, 56, 80, 120])
            if rng.random() > appetite:
                continue
            records.append(
                HourRecord(
                    cadre_id=cadre_id,
                    date=day,
                    hours=hours,
                    days=None if online else hours // 8,
                    kind=HourKind.ONLINE if online else HourKind.CONCENTRATED,
                    source=HourSource.ONLINE_IMPORT if online else HourSource.CLASS,
                    source_key=f"demo:{cadre_id}:{n}",
                    note="示例数据：历史学时",
                )
            )
    HourRecord.objects.bulk_create(records)


def _named_beforehand(dispatcher, training_class, cadres, liaison):
    """Name `cadres` to a class that has begun, as it was done: the roll call and its
    调训通知 two weeks before the class, each dispatch confirmed by its unit (the
    入学通知) and acknowledged two days later. Returns the roll call."""
    with clock.on(training_class.start_date - NAMED_BEFORE):
        roll_call = _roll_call(dispatcher, training_class, cadres=cadres)
        _announce(roll_call)
    with clock.on(training_class.start_date - ANSWERED_BEFORE):
        for cadre in cadres:
            dispatch = _dispatch_of(roll_call, cadre)
            unit_liaison = liaison(cadre.unit.code)
            _confirm(dispatch, unit_liaison)
            _acknowledge(dispatch, cadre.user or unit_liaison)
    return roll_call


def _finished_trainees():
    """The trainees of the finished class: the six with logins, and two section chiefs
    (科长) of 市发改委 and 市教育局 without one — the class is for 处科级 cadres."""
    with_login = list(
        Cadre.objects.filter(user__username__in=FINISHED_TRAINEES)
        .select_related("unit", "user")
        .order_by("user__username")
    )
    without = list(
        Cadre.objects.filter(unit__code__in=["xx-fgw", "xx-jyj"], user__isnull=True)
        .filter(is_leadership_member=False, position="科长")
        .select_related("unit")
        .order_by("-id")[:2]
    )
    return with_login + without


def run(today) -> bool:
    """Create the scenario once; return whether anything was created."""
    if RollCall.objects.exists():
        return False
    _ledger_history(today)
    city_dispatcher = _user("xx.dispatcher")
    liaison = {
        code: _user(f"{code}.liaison")
        for code in ("xx-fgw", "xx-jyj", "qs-gaj", "xx-nyj", "qs-xz1", "lh-xz1")
    }
    head = {
        code: _user(f"{code}.head")
        for code in ("xx-fgw", "xx-jyj", "qs-gaj", "xx-nyj", "qs-xz1", "lh-xz1")
    }
    city_head, county_head = _user("xx.orghead"), _user("qs.orghead")
    registrar = _user("xx-dx.registrar")

    def any_liaison(code):
        return liaison.get(code) or _user(f"{code}.liaison")

    # 1. The finished class: named beforehand, every trainee attended (recorded on its
    # last day). The city's department follows its classes up a month after they end:
    # set first, as attendance schedules the follow-ups.
    finished = TrainingClass.objects.get(name=FINISHED_CLASS)
    people = _finished_trainees()
    with clock.on(finished.start_date - NAMED_BEFORE - dt.timedelta(days=7)):
        follow_up_setting_save(actor=city_dispatcher, org_department=finished.organizer, months=1)
    roll_call1 = _named_beforehand(city_dispatcher, finished, people, any_liaison)
    with clock.on(finished.end_date, hour=17):
        for cadre in people:
            _attend(_dispatch_of(roll_call1, cadre), registrar, "present")

    # 2. The running class: named beforehand; the registrar has recorded one no-show
    # (absent) and one trainee on leave past 1/7 of the class hours (withdrawn); the other
    # four are recorded present once the class ends.
    running = TrainingClass.objects.get(name="全市中青年干部培训班")
    attendees = _cadres("xx-fgw", 3, skip=9) + _cadres("xx-jyj", 3, skip=9)
    roll_call2 = _named_beforehand(city_dispatcher, running, attendees, any_liaison)
    _attend(_dispatch_of(roll_call2, attendees[2]), registrar, "absent")
    _attend(_dispatch_of(roll_call2, attendees[3]), registrar, "withdrawn", 60)

    # 2. An upcoming class: named roll call, every stage before the class.
    upcoming = TrainingClass.objects.get(name="全市处科级干部进修班（第二期）")
    fgw, jyj = _cadres("xx-fgw", 6), _cadres("xx-jyj", 4)
    dual = Cadre.objects.filter(
        unit__code="qs-gaj", co_managing_org_department__isnull=False
    ).first()
    named = fgw + jyj + [dual]
    roll_call = _roll_call(city_dispatcher, upcoming, cadres=named)
    _announce(roll_call)
    d = {c.pk: _dispatch_of(roll_call, c) for c in named}
    # fgw[0], fgw[1]: trainees with accounts → notified, one acknowledged
    _confirm(d[fgw[0].pk], liaison["xx-fgw"])
    _acknowledge(d[fgw[0].pk], fgw[0].user or liaison["xx-fgw"])
    _confirm(d[fgw[1].pk], liaison["xx-fgw"])
    # fgw[2]: leave requested, waiting for the department head
    _request(d[fgw[2].pk], liaison["xx-fgw"], "leave", "承担全市重点项目评审，培训期间无法脱产")
    # fgw[3]: deferral approved → deferred, makeup owed
    _request(d[fgw[3].pk], liaison["xx-fgw"], "deferral", "产假期间")
    req = ApprovalRequest.objects.get(subject_id=d[fgw[3].pk].pk)
    _decide(req, "head_review", head["xx-fgw"])
    _decide(req, "managing_review", city_head)
    # jyj[0]: exemption approved → exempt
    _request(d[jyj[0].pk], liaison["xx-jyj"], "exemption", "已参加同类专题培训并取得结业证书")
    req = ApprovalRequest.objects.get(subject_id=d[jyj[0].pk].pk)
    _decide(req, "head_review", head["xx-jyj"])
    _decide(req, "managing_review", city_head)
    # jyj[1]: confirmed → notified
    _confirm(d[jyj[1].pk], liaison["xx-jyj"])
    # the dual-managed chief: deferral approved by the county, awaiting the city. The
    # chief heads the bureau herself, so she recuses (回避) and the head of the county
    # government above it decides the unit's step (approvals.policy.may_decide).
    _request(d[dual.pk], liaison["qs-gaj"], "deferral", "辖区重大安保任务")
    req = ApprovalRequest.objects.get(subject_id=d[dual.pk].pk)
    _decide(req, "head_review", _user("qs-zf.head"))
    _decide(req, "managing_review", county_head)
    # the rest stay named, awaiting confirmation.

    # 3. Quota allocation: nominated, returned, accepted.
    rural = TrainingClass.objects.get(name="乡村振兴专题培训班")
    units = {code: Unit.objects.get(code=code) for code in ("xx-nyj", "qs-xz1", "lh-xz1")}
    roll_call3 = _roll_call(city_dispatcher, rural, allocations=[(u, 2) for u in units.values()])

    def nominate(code, cadres):
        allocation = QuotaAllocation.objects.get(roll_call=roll_call3, unit__code=code)
        process = processes_of(allocation, NominationFlow).get()
        complete_task(
            open_task(process, "nominate"),
            liaison[code],
            lambda: services.nomination_submit(
                actor=liaison[code], allocation=allocation, cadres=cadres
            ),
        )
        return allocation, process

    allocation, process = nominate("xx-nyj", _cadres("xx-nyj", 2))
    complete_task(
        open_task(process, "head_approval"),
        head["xx-nyj"],
        lambda: services.nomination_head_decide(
            actor=head["xx-nyj"], allocation=allocation, approve=True
        ),
    )
    complete_task(
        open_task(process, "dispatcher_review"),
        city_dispatcher,
        lambda: services.nomination_review(
            actor=city_dispatcher, allocation=allocation, accept=True
        ),
    )
    _announce(roll_call3)
    allocation, process = nominate("qs-xz1", _cadres("qs-xz1", 2))
    complete_task(
        open_task(process, "head_approval"),
        head["qs-xz1"],
        lambda: services.nomination_head_decide(
            actor=head["qs-xz1"], allocation=allocation, approve=True
        ),
    )
    complete_task(
        open_task(process, "dispatcher_review"),
        city_dispatcher,
        lambda: services.nomination_review(
            actor=city_dispatcher,
            allocation=allocation,
            accept=False,
            reason="请优先推荐未参加过专题培训的干部",
        ),
    )
    nominate("lh-xz1", _cadres("lh-xz1", 1))  # waiting for the department head

    # 4. A cancelled roll call.
    emergency = TrainingClass.objects.get(name="应急管理能力提升专题培训班")
    roll_call4 = _roll_call(city_dispatcher, emergency, cadres=_cadres("xx-yjj", 2))
    cancel_roll_call(
        actor=city_dispatcher, roll_call=roll_call4, reason="培训计划调整，本期延期举办"
    )

    # 5. Filings: submitted, returned, accepted.
    def file(code, title, days_ago, hours):
        user = liaison.get(code) or _user(f"{code}.liaison")
        start = today - dt.timedelta(days=days_ago)

        def perform():
            return services.filing_submit(
                actor=user,
                unit=Unit.objects.get(code=code),
                title=title,
                organizer_name=Unit.objects.get(code=code).name,
                start_date=start,
                end_date=start + dt.timedelta(days=1),
                hours=hours,
                participants=_cadres(code, 4, skip=4),
            )

        filing = start_process_as(FilingFlow.start, user, perform)
        return filing, processes_of(filing, FilingFlow).get()

    file("xx-jyj", "全市教育系统安全生产专题培训", 20, 12)

    filing, process = file("xx-fgw", "发改系统政策研究能力提升培训", 30, 16)
    complete_task(
        open_task(process, "review"),
        city_dispatcher,
        lambda: services.filing_review(
            actor=city_dispatcher,
            filing=filing,
            decision="returned",
            comment="请补充培训日程和签到表",
        ),
    )
    filing, process = file("qs-gaj", "公安执法规范化专题培训", 45, 16)
    complete_task(
        open_task(process, "review"),
        _user("qs.dispatcher"),
        lambda: services.filing_review(
            actor=_user("qs.dispatcher"), filing=filing, decision="accepted"
        ),
    )
    return True
