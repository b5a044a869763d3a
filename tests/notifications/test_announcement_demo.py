"""The demo's documents agree with their classes: no 调训通知 is dated after its class
began, each lists all the cadres its roll call named, and each is numbered before the
入学通知 of its own class. The city is seeded once for the module, in a transaction
rolled back at its end, its documents in a folder of their own (as
tests/demo/test_seeded_city.py does)."""

import datetime as dt
import re

import pypdf
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from dispatch.models import Dispatch, RollCall
from notifications.models import IssuedDocument


@pytest.fixture(scope="module")
def demo_city(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                call_command("seed_demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def text_of(document) -> str:
    with document.file.open("rb") as stored:
        return "".join(page.extract_text() or "" for page in pypdf.PdfReader(stored).pages)


def signed_on(document, text) -> dt.date:
    """The date under the issuer's name (the last date before 附件1)."""
    body = text.split("附件1", 2)
    dates = re.findall(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", "".join(body[:2]))
    year, month, day = (int(x) for x in dates[-1])
    return dt.date(year, month, day)


@pytest.fixture
def notices(demo_city, db):
    from django.contrib.contenttypes.models import ContentType

    roll_call_type = ContentType.objects.get_for_model(RollCall)
    documents = list(IssuedDocument.objects.filter(kind="dispatch_notice").order_by("number"))
    assert documents
    assert {d.subject_type_id for d in documents} == {roll_call_type.pk}
    return [(d, RollCall.objects.get(pk=d.subject_id)) for d in documents]


def test_no_dispatch_notice_is_dated_after_its_class_began(notices):
    for document, roll_call in notices:
        klass = roll_call.training_class
        assert signed_on(document, text_of(document)) < klass.start_date, document


def test_a_named_roll_calls_notice_lists_all_its_cadres(notices):
    for document, roll_call in notices:
        if roll_call.mode != "named":
            continue
        text = text_of(document)
        names = list(roll_call.dispatches.values_list("cadre__name", flat=True))
        assert len(names) > 1
        assert [n for n in names if n not in text] == [], document


def test_each_notice_is_numbered_before_its_own_classs_admission_notices(notices):
    from django.contrib.contenttypes.models import ContentType

    dispatch_type = ContentType.objects.get_for_model(Dispatch)
    for document, roll_call in notices:
        ids = list(roll_call.dispatches.values_list("pk", flat=True))
        admissions = IssuedDocument.objects.filter(
            kind="admission_notice",
            subject_type=dispatch_type,
            subject_id__in=ids,
            issuer_code=document.issuer_code,
            year=document.year,
        ).values_list("number", flat=True)
        assert all(number > document.number for number in admissions), document
