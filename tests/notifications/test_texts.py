"""Notification texts are English msgids translated through the catalogues: the subjects
the dispatch domain builds in Python (reminders, escalations, nominations, makeups, the
circular's period) read in Chinese exactly as before, follow the site language, and no
Chinese string literal is left in the notice builders."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from circulars import notices as circulars_notices
from circulars.models import Circular
from dispatch import deadline_notices, grouped_notices, services
from dispatch.models import Dispatch, Makeup, QuotaAllocation, RollCall, RollCallMode
from notifications.models import IssuedDocument, Notification
from notifications.reminders import reminder_due
from tests.factories import aware, training_class
from tests.flowtools import Staff

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture
def setting(world):
    """A named roll call (Wang of unit A), a quota roll call (2 seats for unit B), a makeup
    owed by Wang, and an issued circular counting unit A."""
    Staff(world)
    today = timezone.localdate()
    klass = training_class(
        world.city_od, world.school, today + dt.timedelta(days=30), name="全市专题班"
    )
    named = RollCall.objects.create(
        training_class=klass,
        org_department=world.city_od,
        mode=RollCallMode.NAMED,
        response_deadline=aware(today + dt.timedelta(days=10)),
        created_by=world.bob,
    )
    (wang,) = services.dispatches_create(actor=world.bob, roll_call=named, cadres=[world.cadre_a])
    quota = RollCall.objects.create(
        training_class=training_class(
            world.city_od, world.school, today + dt.timedelta(days=40), name="青年干部班"
        ),
        org_department=world.city_od,
        mode=RollCallMode.QUOTA,
        response_deadline=aware(today + dt.timedelta(days=10)),
        created_by=world.bob,
    )
    allocation = QuotaAllocation.objects.create(roll_call=quota, unit=world.b, seats=2)
    makeup = Makeup.objects.create(
        cadre=world.cadre_a, source=wang, reason="absence", due_date=today - dt.timedelta(days=1)
    )
    circular = Circular.objects.create(
        org_department=world.city_od,
        period_kind="custom",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 3, 31),
        title="关于2026年第一季度干部调训情况的通报",
        figures={"units": [{"unit_id": world.a.pk}]},
        created_by=world.bob,
    )
    document = IssuedDocument.objects.create(
        kind="circular",
        issuer_code="X组通",
        year=2026,
        number=7,
        document_number="X组通〔2026〕7号",
        title=circular.title,
        file="documents/circular.pdf",
        sha256="0" * 64,
        size=1,
        pages=1,
    )
    return {
        "wang": Dispatch_(wang),
        "allocation": allocation,
        "makeup": makeup,
        "circular": circular,
        "document": document,
    }


def Dispatch_(dispatch):
    from dispatch.models import Dispatch

    return Dispatch.objects.select_related(
        "cadre__user", "unit", "training_class", "roll_call__org_department"
    ).get(pk=dispatch.pk)


def titles(**filters):
    return sorted(set(Notification.objects.filter(**filters).values_list("title", flat=True)))


def send_everything(setting):
    """Every notice whose subject is built in Python, each at a moment it is due."""
    wang, allocation = setting["wang"], setting["allocation"]
    due = wang.confirm_due
    roll_call, deadline = allocation.roll_call, allocation.roll_call.response_deadline
    seats = [(allocation, grouped_notices.item(allocation, deadline))]
    with time_machine.travel(due - dt.timedelta(hours=12), tick=False):
        deadline_notices.reminder(wang, "confirm", due)
        deadline_notices.reminder(wang, "acknowledge", due)
        grouped_notices.remind(
            roll_call, "nominate", seats, due=deadline, slot=reminder_due(deadline)
        )
    with time_machine.travel(due + dt.timedelta(hours=1), tick=False):
        deadline_notices.escalated(wang, "confirm")
        # A notice of the roll call past its acknowledgement's due moment.
        Dispatch.objects.filter(pk=wang.pk).update(status="notified", acknowledge_due=due)
        wang.acknowledge_due = due
        deadline_notices.escalated(wang, "acknowledge")
        grouped_notices.escalate(roll_call, "nominate", seats, due=deadline)
    deadline_notices.makeup_escalated(setting["makeup"])
    circulars_notices.circular_issued(setting["circular"], setting["document"])


def test_the_subjects_built_in_python_read_in_chinese_as_before(world, setting):
    send_everything(setting)
    assert titles(event="reminder") == [
        "到期提醒：推荐青年干部班参训人选（2名）",
        "到期提醒：确认王堃参加全市专题班",
        "到期提醒：签收全市专题班入学通知",
    ]
    reminder = Notification.objects.get(key__contains=":confirm:", key__endswith=":reminder-1d")
    assert reminder.body.splitlines()[0] == "还有1天到期：确认王堃参加全市专题班。"
    assert titles(event="escalation", key__contains=":acknowledge:") == [
        "逾期督办：王堃的入学通知签收"
    ]
    assert titles(event="escalation", key__contains=":confirm:") == ["逾期督办：王堃的参训确认"]
    escalated = Notification.objects.filter(
        key__contains=":confirm:", key__endswith=":escalated"
    ).first()
    assert escalated.body.splitlines()[0] == "“王堃的参训确认”已逾期未办，现转您督办。"
    assert titles(key__contains=":nominate:", event="escalation") == [
        "逾期督办：某县公安局推荐青年干部班参训人选（2名）"
    ]
    assert titles(key__startswith="makeup:") == ["补训逾期：王堃", "逾期督办：王堃的补训"]
    circular = Notification.objects.filter(event="circular_issued").first()
    assert circular.context["period"] == "2026年1月1日至2026年3月31日"
    assert "2026年1月1日至2026年3月31日" in circular.body


def test_the_reminder_sweep_builds_the_same_chinese_subjects(world, setting):
    wang = setting["wang"]
    with time_machine.travel(wang.confirm_due - dt.timedelta(hours=12), tick=False):
        call_command("send_reminders", stdout=open("/dev/null", "w"))
    assert titles(event="reminder") == [
        "到期提醒：推荐青年干部班参训人选（2名）",
        "到期提醒：确认王堃参加全市专题班",
    ]


def test_the_subjects_follow_the_site_language(world, setting, settings):
    """With no Chinese catalogue in use the msgids show: no Chinese is hard-coded."""
    settings.LANGUAGE_CODE = "en-us"
    send_everything(setting)
    assert titles(event="reminder") == [
        "Reminder: Acknowledge your admission notice for 全市专题班",
        "Reminder: Confirm that 王堃 attends 全市专题班",
        "Reminder: Nominate 2 participants for 青年干部班",
    ]
    assert titles(event="escalation", key__contains=":acknowledge:") == [
        "Overdue and escalated: Acknowledgement of the admission notice of 王堃"
    ]
    assert titles(event="escalation", key__contains=":confirm:") == [
        "Overdue and escalated: Attendance confirmation for 王堃"
    ]
    assert titles(key__contains=":nominate:", event="escalation") == [
        "Overdue and escalated: 某县公安局: nominate 2 participants for 青年干部班"
    ]
    assert "Overdue and escalated: Makeup training of 王堃" in titles(key__startswith="makeup:")
    circular = Notification.objects.filter(event="circular_issued").first()
    assert not CJK.search(circular.context["period"])


def _literals(path: Path):
    """(line, text) of every string literal in `path` that is not a docstring."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            yield node.lineno, node.value


# notifications/checks.py: system-check messages for operators, deliberately bilingual.
NOTICE_MODULES = [
    "dispatch/notices.py",
    "dispatch/deadline_notices.py",
    "dispatch/grouped_notices.py",
    "dispatch/reminder_sweep.py",
    "dispatch/step_subjects.py",
    "dispatch/cancel_notices.py",
    "approvals/notices.py",
] + [
    str(p.relative_to(ROOT))
    for p in sorted((ROOT / "notifications").glob("*.py"))
    if p.name != "checks.py"
]


@pytest.mark.parametrize("module", NOTICE_MODULES)
def test_no_chinese_literal_in_the_notice_builders(module):
    found = [
        (line, text)
        for line, text in _literals(ROOT / module)
        # 〔〕 belong to the document number (X组通〔2026〕7号), not to any language.
        if CJK.search(text.replace("〔", "").replace("〕", ""))
    ]
    assert found == [], f"{module}: translate these through gettext: {found}"
