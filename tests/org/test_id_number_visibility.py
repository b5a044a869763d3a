"""Whole ID numbers for those who keep the cadre's record, masked for every other reader:
one rule (`org.policy.may_see_id_number`, in SQL `id_number_shown`) asked by the cadre
form, the cadre downloads and the API — so a department exports its cadres, corrects
them and imports them back by ID number, at a flat query count."""

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from imports import services as import_services
from imports.kinds import registry
from org import policy, selectors
from org.forms import CadreForm
from org.models import Cadre, Unit
from tests.exports.sheets import by_header, csv_by_header, xlsx
from tests.factories import cadre, user

ID = "身份证号码"
FORMATS = ("xlsx", "csv")


@pytest.fixture
def people(world, staff):
    """Readers around the test world, and a cadre of unit A that the county's department
    co-manages (so Carol, a dispatcher, reads them without keeping their record)."""
    world.cadre_x = cadre(
        "周堃", world.a, world.city_od, co_managing_org_department=world.county_od
    )
    return {
        "bob": world.bob,  # dispatcher of the city: keeps every record
        "carol": world.carol,  # dispatcher of the county: keeps B's, reads cadre_x
        "lily": staff.lily,  # liaison of A: keeps A's
        "luke": staff.luke,  # liaison of B: keeps B's
        "alice": world.alice,  # heads A: reads
        "oscar": staff.oscar,  # city org department head: reads
        "olga": staff.olga,  # county org department head: reads
        "audrey": user("audrey", "auditor", world.root),  # auditor: reads
        # the liaison of the city's organization department reads the cadres it
        # manages and co-manages, and keeps none of them
        "odette": user("odette", "unit_liaison", world.city_od_unit),
    }


def whole_for(name) -> set[str]:
    """The cadres (by name) whose whole numbers each reader gets: those they keep."""
    return {
        "bob": {"王堃", "李玥", "张喆", "周堃"},
        "carol": {"张喆"},
        "lily": {"王堃", "李玥", "周堃"},
        "luke": {"张喆"},
    }.get(name, set())


def exported(client, fmt, url="/cadres/"):
    """{name: ID cell} of a cadre download."""
    response = client.get(f"{url}?format={fmt}")
    if fmt == "xlsx":
        return {r["姓名"].value: r[ID].value for r in by_header(xlsx(response))}
    # CSV writes a whole number as ="…" (Excel keeps it as text); the text is the number.
    return {r["姓名"]: r[ID].removeprefix('="').removesuffix('"') for r in csv_by_header(response)}


def expected(name, reached) -> dict[str, str]:
    whole = whole_for(name)
    return {c.name: c.id_number if c.name in whole else c.masked_id_number for c in reached}


# -- the rule --------------------------------------------------------------------------


def test_the_rule_is_the_cadre_forms_and_its_sql_form_agrees(world, people):
    for name, person in people.items():
        reached = list(selectors.cadres_in_reach(person))
        assert reached, name
        shown = dict(
            Cadre.objects.filter(pk__in=[c.pk for c in reached])
            .annotate(shown=policy.id_number_shown(person))
            .values_list("name", "shown")
        )
        for c in reached:
            whole = c.name in whole_for(name)
            assert policy.may_see_id_number(person, c) is whole, (name, c.name)
            assert policy.may_edit_cadre(person, c) is whole, (name, c.name)
            assert bool(shown[c.name]) is whole, (name, c.name)


def test_nobody_else_sees_a_whole_number(world):
    assert not policy.may_see_id_number(world.nobody, world.cadre_a)
    assert not policy.may_see_id_number(world.dave, world.cadre_a)  # the trainee's own
    assert not policy.may_see_id_number(world.bob, None)
    rows = Cadre.objects.annotate(shown=policy.id_number_shown(world.nobody))
    assert not any(rows.values_list("shown", flat=True))
    assert all(Cadre.objects.annotate(shown=policy.id_number_shown(None)).values_list("shown"))


# -- downloads -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_cadre_download_is_whole_for_keepers_and_masked_for_readers(world, people, client, fmt):
    for name, person in people.items():
        client.force_login(person)
        reached = selectors.cadres_in_reach(person)
        assert exported(client, fmt) == expected(name, reached), name


# -- the API ---------------------------------------------------------------------------


def test_the_api_is_whole_for_keepers_and_masked_for_readers(world, people, client):
    for name, person in people.items():
        client.force_login(person)
        body = client.get("/api/v1/cadres/?page_size=100").json()
        listed = {row["name"]: row["id_number"] for row in body["results"]}
        reached = list(selectors.cadres_in_reach(person))
        assert listed == expected(name, reached), name
        for c in reached:
            row = client.get(f"/api/v1/cadres/{c.pk}/").json()
            assert row["id_number"] == expected(name, [c])[c.name], (name, c.name)


def test_the_api_by_token_is_the_callers_rule(world, people, client):
    from api.services import token_issue

    _token, key = token_issue(actor=None, user=world.bob, name="干部信息系统")
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"}
    row = client.get(f"/api/v1/cadres/{world.cadre_a.pk}/", **headers).json()
    assert row["id_number"] == world.cadre_a.id_number


# -- the cadre form --------------------------------------------------------------------


def test_the_form_shows_the_whole_number_to_a_keeper(world, people, client):
    for person in (world.bob, people["lily"]):
        client.force_login(person)
        page = client.get(f"/cadres/{world.cadre_a.pk}/edit/").content.decode()
        assert f'value="{world.cadre_a.id_number}"' in page


def test_a_form_for_a_reader_masks_the_number_and_keeps_it(world):
    data = {
        "name": "王堃",
        "gender": world.cadre_a.gender,
        "id_number": "110101199003071234",  # ignored: the field is not theirs to change
        "unit": world.a.pk,
        "position": "处长",
        "category": world.cadre_a.category,
        "managing_org_department": world.city_od.pk,
    }
    form = CadreForm(instance=world.cadre_a, shows_id_number=False)
    assert world.cadre_a.id_number not in str(form)
    assert world.cadre_a.masked_id_number in str(form)
    form = CadreForm(data, instance=Cadre.objects.get(pk=world.cadre_a.pk), shows_id_number=False)
    assert form.is_valid(), form.errors
    assert form.instance.id_number == world.cadre_a.id_number
    assert form.instance.position == "处长"


# -- export, correct, import back ------------------------------------------------------


def with_unit_codes_xlsx(response) -> bytes:
    """The downloaded workbook with the one column the import needs and the download
    lacks, 单位代码, filled in from the 单位 column (what the department adds by hand)."""
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    codes = dict(Unit.objects.values_list("name", "code"))
    headers = [cell.value for cell in sheet[1]]
    unit_column, last = headers.index("单位"), len(headers) + 1
    sheet.cell(row=1, column=last, value="单位代码")
    for number, row in enumerate(sheet.iter_rows(min_row=2), start=2):
        sheet.cell(row=number, column=last, value=codes[row[unit_column].value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_unit_codes_csv(response) -> bytes:
    rows = csv_by_header(response)
    codes = dict(Unit.objects.values_list("name", "code"))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0], "单位代码"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "单位代码": codes[row["单位"]]})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def import_back(actor, fmt, data):
    kind = registry.get("cadres")
    name = f"干部.{fmt}"
    upload = SimpleUploadedFile(name, data)
    batch = import_services.batch_upload(
        actor=actor, kind=kind, upload=upload, name=name, start=False
    )
    return import_services.batch_check(batch)


def records():
    return list(Cadre.objects.order_by("pk").values())


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_dispatchers_download_imports_back_unchanged(world, people, client, fmt):
    client.force_login(world.bob)
    before = records()
    response = client.get(f"/cadres/?format={fmt}")
    data = (with_unit_codes_xlsx if fmt == "xlsx" else with_unit_codes_csv)(response)
    batch = import_back(world.bob, fmt, data)
    errors = [r.errors for r in batch.rows.all() if r.errors]
    assert (batch.rows_error, batch.rows_create, batch.rows_update) == (0, 0, 0), errors
    assert batch.rows_unchanged == len(before) == 4
    import_services.batch_commit(actor=world.bob, batch=batch)
    assert records() == before


@pytest.mark.usefixtures("media")
@pytest.mark.parametrize("check_digit_x", [False, True])
def test_a_correction_in_the_download_updates_the_cadre(world, people, client, check_digit_x):
    if check_digit_x:
        # An ID number ending in X is text already: the CSV writes it bare, not as ="…".
        world.cadre_a.id_number = "11010219790302005X"  # no factory number
        world.cadre_a.save(update_fields=["id_number"])
    client.force_login(people["lily"])  # the liaison of A keeps A's records too
    rows = csv_by_header(client.get("/cadres/?format=csv"))
    for row in rows:
        if row[ID].removeprefix('="').removesuffix('"') == world.cadre_a.id_number:
            row["职务"] = "副主任"
    codes = dict(Unit.objects.values_list("name", "code"))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0], "单位代码"])
    writer.writeheader()
    writer.writerows({**row, "单位代码": codes[row["单位"]]} for row in rows)
    batch = import_back(people["lily"], "csv", out.getvalue().encode("utf-8"))
    assert (batch.rows_error, batch.rows_update, batch.rows_unchanged) == (0, 1, 2)
    import_services.batch_commit(actor=people["lily"], batch=batch)
    assert Cadre.objects.get(pk=world.cadre_a.pk).position == "副主任"
    assert Cadre.objects.count() == 4


@pytest.mark.usefixtures("media")
def test_a_masked_download_is_no_key(world, people, client):
    client.force_login(world.alice)  # a head reads A's cadres masked
    data = with_unit_codes_csv(client.get("/cadres/?format=csv"))
    batch = import_back(world.bob, "csv", data)
    assert batch.rows_error == batch.rows_total == 3


@pytest.mark.usefixtures("media")
def test_the_download_as_it_is_lacks_the_unit_code(world, people, client):
    client.force_login(world.bob)
    response = client.get("/cadres/?format=csv")
    data = b"".join(response.streaming_content)
    with pytest.raises(ValidationError) as refused:
        import_back(world.bob, "csv", data)
    assert "单位代码" in " ".join(refused.value.messages)


# -- query counts ----------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:  # a download's rows are read as it streams
            b"".join(response.streaming_content)
    return len(captured)


@pytest.mark.parametrize("who", ["bob", "lily", "alice"])
@pytest.mark.parametrize(
    "url", ["/cadres/?format=xlsx", "/cadres/?format=csv", "/api/v1/cadres/?page_size=100"]
)
def test_the_query_count_is_flat(world, people, client, who, url):
    client.force_login(people[who])
    client.get(url)  # warm what any first request fills (content types, sessions)
    one = queries(client, url)
    for n in range(50):
        cadre(f"干部{n}", world.a1, world.city_od)
    assert queries(client, url) <= one
