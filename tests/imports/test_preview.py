"""Uploading a file: each row's verdict on its line, the counts, paged, errors only."""

from imports.models import BatchStatus, ImportBatch
from org.models import Unit
from tests.factories import unit
from tests.imports.conftest import csv_file, upload, xlsx_file


def test_the_preview_counts_rows_to_create_update_and_leave_and_shows_each_error(
    world, client, kind
):
    unit("旧名称", code="T002")
    unit("不变单位", code="T003")
    client.force_login(world.bob)
    response = upload(
        client,
        csv_file(
            [
                ["T001", "新单位", ""],
                ["T002", "新名称", ""],
                ["T003", "不变单位", ""],
                ["", "无代码单位", ""],
                ["T001", "重复单位", ""],
            ]
        ),
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{batch.pk}/"
    assert batch.status == BatchStatus.PREVIEWED
    assert (batch.rows_total, batch.rows_create, batch.rows_update) == (5, 1, 1)
    assert (batch.rows_unchanged, batch.rows_error) == (1, 2)
    assert len(batch.sha256) == 64

    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert '<tr data-line="5" class="errorlist">' in page
    assert "单位代码为空。" in page
    assert '<tr data-line="6" class="errorlist">' in page
    assert "单位代码“T001”在文件中重复。" in page
    assert "xd-import-commit" not in page  # no commit while a row has an error
    assert not Unit.objects.filter(code="T001").exists()  # a preview writes nothing

    only_errors = client.get(f"/imports/{batch.pk}/?show=errors").content.decode()
    assert 'data-line="5"' in only_errors and 'data-line="6"' in only_errors
    assert 'data-line="2"' not in only_errors


def test_an_xlsx_file_is_read_with_numbers_and_dates_as_text(world, client, kind):
    client.force_login(world.bob)
    upload(client, xlsx_file([[1001, "数字代码单位", 3.0]]))
    batch = ImportBatch.objects.get()
    row = batch.rows.get()
    assert row.raw == {"code": "1001", "name": "数字代码单位", "note": "3"}
    assert row.action == "create"


def test_the_preview_pages_its_rows_a_hundred_at_a_time(world, client, kind):
    client.force_login(world.bob)
    upload(client, csv_file([[f"P{i:04d}", f"单位{i}", ""] for i in range(250)]))
    batch = ImportBatch.objects.get()
    first = client.get(f"/imports/{batch.pk}/").content.decode()
    third = client.get(f"/imports/{batch.pk}/?page=3").content.decode()
    assert first.count("<tr data-line=") == 100
    assert third.count("<tr data-line=") == 50
    assert 'data-line="251"' in third
    assert "第3页，共3页" in third


def test_html_and_very_long_values_are_escaped_and_cut_on_the_preview(world, client, kind):
    client.force_login(world.bob)
    long_name = "长" * 10000
    upload(
        client,
        csv_file([["H1", "<script>alert(1)</script>", ""], ["H2", long_name, ""]]),
    )
    batch = ImportBatch.objects.get()
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "单位名称有10000个字，最多128个字。" in page
    assert long_name not in page  # cut to a readable length
    assert batch.rows_error == 1


def test_the_preview_costs_the_same_queries_for_1_and_50_rows(
    world, client, kind, django_assert_max_num_queries
):
    client.force_login(world.bob)
    upload(client, csv_file([["Q0", "单位", ""]], name="one.csv"))
    upload(client, csv_file([[f"Q{i}", f"单位{i}", ""] for i in range(50)], name="fifty.csv"))
    one, fifty = ImportBatch.objects.order_by("pk")
    client.get(f"/imports/{one.pk}/")  # the session's header cache filled
    with django_assert_max_num_queries(8) as small:
        client.get(f"/imports/{one.pk}/")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(f"/imports/{fifty.pk}/")
    assert response.content.decode().count("<tr data-line=") == 50
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_file_the_system_already_holds_offers_no_commit(world, client, kind):
    unit("不变单位", code="T003")
    client.force_login(world.bob)
    upload(client, csv_file([["T003", "不变单位", ""]]))
    batch = ImportBatch.objects.get()
    assert (batch.rows_total, batch.rows_unchanged) == (1, 1)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "xd-import-commit" not in page
    assert "没有需要导入的内容" in page
