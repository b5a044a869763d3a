"""Fixtures of the API tests: rows of every kind the read endpoints list (written
directly, as the flows would have left them), and clients signed in with a session or a
token."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from approvals.models import ApprovalRequest, ApprovalStep
from dispatch.models import Dispatch, Filing, Makeup, RollCall
from notifications.models import IssuedDocument, Notification
from org.models import Unit
from tests.factories import aware, credit, training_class

PDF = b"%PDF-1.4\n% a stand-in for a rendered notice\n%%EOF\n"


def dispatch_of(roll_call, cadre, **fields):
    return Dispatch.objects.create(
        roll_call=roll_call,
        training_class=roll_call.training_class,
        cadre=cadre,
        unit=cadre.unit,
        confirm_due=roll_call.response_deadline,
        **fields,
    )


def document_about(subject, issuer, number, by):
    return IssuedDocument.objects.create(
        kind="dispatch_notice",
        issuer_code=issuer,
        year=2026,
        number=number,
        document_number=f"{issuer}〔2026〕{number}号",
        title="关于调训的通知",
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        file=ContentFile(PDF, name=f"notice-{number}.pdf"),
        sha256="0" * 64,
        size=len(PDF),
        pages=1,
        issued_by=by,
    )


@pytest.fixture
def samples(world, media):
    """One row of each kind in unit A (the city's side, out of Charlie's reach) and a
    dispatch in unit B (the county's side, out of Alice's)."""
    w = world
    start = dt.date.today() + dt.timedelta(days=30)
    klass = training_class(w.city_od, w.school, start)
    roll_call = RollCall.objects.create(
        training_class=klass,
        org_department=w.city_od,
        mode="named",
        response_deadline=aware(start - dt.timedelta(days=10)),
        created_by=w.bob,
    )
    dispatch_a = dispatch_of(roll_call, w.cadre_a)
    dispatch_b = dispatch_of(roll_call, w.cadre_b)
    absent = dispatch_of(roll_call, w.cadre_a1, status="absent")
    makeup = Makeup.objects.create(
        cadre=w.cadre_a1, source=absent, reason="absence", due_date=start + dt.timedelta(days=365)
    )
    filing = Filing.objects.create(
        unit=w.a,
        title="外出学习",
        organizer_name="某大学",
        start_date=start,
        end_date=start + dt.timedelta(days=2),
        hours=16,
        filed_by=w.alice,
    )
    filing.participants.add(w.cadre_a)
    hours = credit(w.cadre_a, 8, dt.date.today() - dt.timedelta(days=3))
    approval = ApprovalRequest.objects.create(
        kind="leave",
        subject_type=ContentType.objects.get_for_model(Dispatch),
        subject_id=dispatch_a.pk,
        title="请假：王堃",
        reason="因重大项目攻坚无法脱产",
        requested_by=w.alice,
        cadre=w.cadre_a,
    )
    ApprovalStep.objects.create(
        request=approval,
        stage=1,
        label="单位负责人",
        permission="org.approve_as_head",
        scope_type=ContentType.objects.get_for_model(Unit),
        scope_id=w.a.pk,
    )
    document = document_about(dispatch_a, "X组通", 1, w.bob)
    notification = Notification.objects.create(
        key=f"dispatch:{dispatch_a.pk}:notice",
        recipient=w.dave,
        event="notice_issued",
        title="调训通知",
        document=document,
        requires_ack=True,
    )
    return SimpleNamespace(
        world=w,
        klass=klass,
        roll_call=roll_call,
        dispatch_a=dispatch_a,
        dispatch_b=dispatch_b,
        makeup=makeup,
        filing=filing,
        hours=hours,
        approval=approval,
        document=document,
        notification=notification,
    )


@pytest.fixture
def api():
    """An API client; `api.as_(user)` signs it in (a session, as the pages do)."""
    client = APIClient()

    def as_(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    client.as_ = as_
    return client
