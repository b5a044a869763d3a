"""Each list endpoint reads a page in a number of queries that does not grow with its
rows: the same count at 1 row and at 50 (asserted with django_assert_max_num_queries)."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import ApprovalRequest, ApprovalStep
from dispatch.models import Dispatch, Filing, Institution, Makeup, RollCall
from ledger.models import HourRecord, IndicatorRule
from notifications.models import Notification
from org.models import OrgDepartment, Unit
from tests.api.conftest import dispatch_of, document_about
from tests.factories import cadre, training_class, unit

_n = itertools.count(1)


def _units(s, n):
    return [unit(f"科室{next(_n)}", s.world.a) for _ in range(n)]


def _cadres(s, n):
    return [cadre(f"干部{next(_n)}", s.world.a, s.world.city_od) for _ in range(n)]


def _org_departments(s, n):
    for u in _units(s, n):
        OrgDepartment.objects.create(unit=u, jurisdiction=u, issuer_code=f"D{next(_n)}")


def _institutions(s, n):
    for u in _units(s, n):
        Institution.objects.create(unit=u, kind="party_school")


def _classes(s, n):
    for _ in range(n):
        training_class(s.world.city_od, s.world.school, s.klass.start_date)


def _roll_calls(s, n):
    RollCall.objects.bulk_create(
        RollCall(
            training_class=s.klass,
            org_department=s.world.city_od,
            mode="named",
            response_deadline=s.roll_call.response_deadline,
            created_by=s.world.bob,
        )
        for _ in range(n)
    )


def _dispatches(s, n):
    return [dispatch_of(s.roll_call, c) for c in _cadres(s, n)]


def _makeups(s, n):
    Makeup.objects.bulk_create(
        Makeup(cadre=d.cadre, source=d, reason="absence", due_date=s.makeup.due_date)
        for d in _dispatches(s, n)
    )


def _filings(s, n):
    people = _cadres(s, 2)
    for _ in range(n):
        filing = Filing.objects.create(
            unit=s.world.a,
            title="学习",
            organizer_name="某大学",
            start_date=s.klass.start_date,
            end_date=s.klass.start_date,
            hours=8,
            filed_by=s.world.alice,
        )
        filing.participants.add(*people)


def _approvals(s, n):
    dispatch_type = ContentType.objects.get_for_model(Dispatch)
    unit_type = ContentType.objects.get_for_model(Unit)
    for d in _dispatches(s, n):
        request = ApprovalRequest.objects.create(
            kind="leave",
            subject_type=dispatch_type,
            subject_id=d.pk,
            title="请假",
            reason="事由",
            requested_by=s.world.alice,
            cadre=d.cadre,
        )
        for stage in (1, 2):
            ApprovalStep.objects.create(
                request=request,
                stage=stage,
                label="审批",
                permission="org.approve_as_head",
                scope_type=unit_type,
                scope_id=s.world.a.pk,
                decided_by=s.world.alice if stage == 1 else None,
            )


def _hours(s, n):
    HourRecord.objects.bulk_create(
        HourRecord(
            cadre=s.world.cadre_a,
            date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            hours=Decimal("1.0"),
            kind="online",
            source="online_import",
            source_key=f"api-test:{next(_n)}",
            status="recognized",
        )
        for i in range(n)
    )


def _rules(s, n):
    IndicatorRule.objects.bulk_create(
        IndicatorRule(
            code=f"api-test-{next(_n)}",
            group="B",
            categories=[],
            kind="online",
            window="calendar_year",
            min_hours=1,
            hours_per_day=8,
            effective_from=dt.date(1990, 1, 1),
            effective_to=dt.date(1990, 12, 31),
        )
        for _ in range(n)
    )


def _documents(s, n):
    for d in _dispatches(s, n):
        document_about(d, "X组通", 100 + d.pk, s.world.bob)


def _notifications(s, n):
    Notification.objects.bulk_create(
        Notification(
            key=f"api-test:{next(_n)}", recipient=s.world.bob, event="reminder", title="提醒"
        )
        for _ in range(n)
    )


LISTS = {
    "units": _units,
    "org-departments": _org_departments,
    "cadres": _cadres,
    "institutions": _institutions,
    "classes": _classes,
    "rollcalls": _roll_calls,
    "dispatches": _dispatches,
    "filings": _filings,
    "makeups": _makeups,
    "approvals": _approvals,
    "hours": _hours,
    "indicator-rules": _rules,
    "compliance": _cadres,
    "documents": _documents,
    "notifications": _notifications,
}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_a_list_page_costs_the_same_queries_at_1_and_50_rows(
    path, samples, api, django_assert_max_num_queries
):
    client = api.as_(samples.world.bob)
    url = f"/api/v1/{path}/?page_size=100"
    LISTS[path](samples, 1)
    client.get(url)  # warm caches (content types, rules) that any first request fills
    with CaptureQueriesContext(connection) as one:
        small = client.get(url)
    assert small.status_code == 200
    LISTS[path](samples, 50)
    with django_assert_max_num_queries(len(one)):
        large = client.get(url)
    assert large.status_code == 200
    assert large.json()["count"] >= small.json()["count"] + 50
