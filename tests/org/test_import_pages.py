"""The organization's import kinds through the import pages: templates with Chinese
headers, an .xlsx of cadres uploaded, its errors on their lines, then committed."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.masking import mask_id_number
from imports.kinds import registry
from imports.models import ImportBatch
from org.models import Cadre, CadreTransfer
from tests.factories import id_number

pytestmark = pytest.mark.usefixtures("media")


@pytest.mark.parametrize("slug", ["units", "org_departments", "cadres"])
def test_each_kind_offers_a_workbook_template_with_chinese_headers(world, login, slug):
    response = login(world.bob).get(f"/imports/{slug}/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    names = [str(column.header) for column in registry.get(slug).columns]
    assert [str(h).rstrip("*＊") for h in header if h] == names
    assert "单位代码" in "".join(names) or "组织部门单位代码" in names


def cadres_xlsx(rows):
    book = Workbook()
    sheet = book.active
    kind = registry.get("cadres")
    sheet.append([str(column.header) for column in kind.columns])
    for row in rows:
        sheet.append([row.get(column.key, "") for column in kind.columns])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "干部.xlsx"
    return out


def test_a_dispatcher_imports_cadres_through_the_pages(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.bob)
    good = id_number()
    rows = [
        {
            "id_number": good,
            "name": "钱镕",
            "unit": world.a1.code,
            "category": "专业技术人员",
            "position": "工程师",
        },
        {
            "id_number": world.cadre_a.id_number,
            "name": world.cadre_a.name,
            "unit": world.a1.code,
            "category": world.cadre_a.category,
            "position": world.cadre_a.position,
        },
        {
            "id_number": "123",
            "name": "坏号",
            "unit": world.a1.code,
            "category": "专业技术人员",
            "position": "工程师",
        },
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/cadres/", {"file": cadres_xlsx(rows)})
    batch = ImportBatch.objects.get(kind="cadres")
    assert response.status_code == 302
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "身份证号码 123：" in page
    # The preview's cells, like every page, show ID numbers masked.
    assert good not in page and world.cadre_a.id_number not in page
    assert mask_id_number(good) in page
    assert batch.rows.get(line=4).errors and "123" in batch.rows.get(line=4).errors[0]
    assert batch.rows.get(line=3).action == "update"

    # the file corrected: the bad row removed
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/imports/cadres/", {"file": cadres_xlsx(rows[:2])})
    batch = ImportBatch.objects.filter(kind="cadres").order_by("-pk").first()
    assert (batch.rows_create, batch.rows_update, batch.rows_error) == (1, 1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{batch.pk}/commit/")
    batch.refresh_from_db()
    assert batch.status == "committed"
    assert Cadre.objects.get(id_number=good).managing_org_department == world.city_od
    assert CadreTransfer.objects.get(cadre=world.cadre_a).from_unit == world.a
