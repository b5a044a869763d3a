"""Every document a department issues names whom to ask — its contact person and phone,
as its admin page keeps them — in the 附注 under the date, "（联系人：…，电话：…）"; a
department without them prints no 附注. A phone that is no phone number is refused."""

import datetime as dt
import io

import pdfplumber
import pytest

from dispatch.documents import issuer_of
from dispatch.models import Dispatch
from notifications.documents import builders, render
from notifications.documents.samples import builtin_cadres, builtin_class, sample_contexts
from notifications.models import IssuedDocument
from tests.flowtools import act, open_task, post_roll_call, process_of

NOTE = "（联系人：李晓红，电话：0571-12345678）"
TODAY = dt.date(2026, 12, 7)


def post(client, department, **changes):
    """The department's admin change form as it stands, with `changes`, posted."""
    url = f"/admin/org/orgdepartment/{department.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) for name in form.fields if name != "seal"}
    data = {k: getattr(v, "pk", v) for k, v in data.items() if v is not None}
    return client.post(url, {**data, **changes})


@pytest.fixture
def contact(world):
    world.city_od.contact_person = "李晓红"
    world.city_od.contact_phone = "0571-12345678"
    world.city_od.save()
    return world.city_od


def lines(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [
            line.replace(" ", "")
            for page in pdf.pages
            for line in (page.extract_text() or "").splitlines()
        ]


def test_the_roll_calls_notices_name_the_departments_contact_under_the_date(
    client, world, staff, contact, klass, django_capture_on_commit_callbacks
):
    client.force_login(world.bob)
    with django_capture_on_commit_callbacks(execute=True):  # the notice follows the commit
        assert post_roll_call(client, klass, [world.cadre_a, world.cadre_a1]).status_code == 302
    dispatch = Dispatch.objects.get(cadre=world.cadre_a)
    client.force_login(staff.lily)
    act(client, open_task(process_of(dispatch, "DispatchFlow"), "confirm"), {"action": "confirm"})

    documents = IssuedDocument.objects.filter(issuer_code=world.city_od.issuer_code)
    assert sorted(documents.values_list("kind", flat=True)) == [
        "admission_notice",
        "dispatch_notice",
    ]
    for document in documents:
        with document.file.open("rb") as handle:
            text = lines(handle.read())
        assert NOTE in text, (document.kind, text[-6:])
        # On the line after the 成文日期.
        above = text[text.index(NOTE) - 1]
        assert above.startswith("20") and above.endswith("日"), (document.kind, above)


@pytest.mark.parametrize(
    "kind", ["dispatch_notice", "admission_notice", "makeup_notice", "circular", "dispatch_plan"]
)
def test_every_kind_prints_the_issuers_contact(world, contact, kind):
    context = sample_contexts(use_database=False, issuer=issuer_of(contact))[kind]
    assert NOTE in lines(render.render_pdf(context, document_number="X组通〔2026〕1号").data)


def test_without_a_contact_there_is_no_note(world):
    issuer = issuer_of(world.city_od)
    assert issuer.contact == ""
    context = builders.admission_notice(
        issuer=issuer, training_class=builtin_class(), trainee=builtin_cadres(1)[0], date=TODAY
    )
    assert context.note == ""
    text = lines(render.render_pdf(context, document_number="X组通〔2026〕1号").data)
    assert not any(line.startswith("（联系人") for line in text)


@pytest.mark.parametrize(
    ("person", "phone", "note"),
    [
        ("李晓红", "", "联系人：李晓红"),
        ("", "13812345678", "电话：13812345678"),
        (" 李晓红 ", "0571 - 12345678", "联系人：李晓红，电话：0571-12345678"),
    ],
)
def test_the_admin_page_keeps_the_contact(world, admin_client, person, phone, note):
    response = post(admin_client, world.city_od, contact_person=person, contact_phone=phone)
    assert response.status_code == 302, response.context["adminform"].form.errors
    world.city_od.refresh_from_db()
    assert issuer_of(world.city_od).contact == note


def test_a_phone_that_is_no_phone_number_is_refused(world, admin_client):
    response = post(admin_client, world.city_od, contact_person="李晓红", contact_phone="找李科长")
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["contact_phone"]
    assert "13812345678" in message
    world.city_od.refresh_from_db()
    assert world.city_od.contact_person == ""


def test_the_api_gives_the_departments_contact(world, contact, client):
    client.force_login(world.bob)
    row = client.get(f"/api/v1/org-departments/{contact.pk}/").json()
    assert (row["contact_person"], row["contact_phone"]) == ("李晓红", "0571-12345678")
