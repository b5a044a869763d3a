"""Importing online-learning hours from a CSV or Excel file: every error previewed on its
line, all or nothing, each row counted once, for the dispatchers within reach only."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from ledger.models import HourImport, HourRecord
from org.models import Cadre


def csv_upload(rows, name="hours.csv"):
    text = "身份证号码,姓名,学习日期,学时,课程,平台\n" + "\n".join(",".join(r) for r in rows)
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def error_lines(hour_import) -> dict[int, str]:
    """The lines of an import that have errors, with their errors."""
    return dict(hour_import.lines.exclude(errors="").values_list("line", "errors"))


def test_an_import_with_errors_previews_them_and_imports_nothing(world, login):
    client = login(world.bob)
    a = world.cadre_a.id_number
    rows = [
        [a, "王堃", "2026-03-01", "2", "党史", "网院"],
        [a, "王堃", "2026-03-01", "2", "党史", "网院"],  # duplicate row
        ["110105194912310021", "某人", "2026-03-01", "2", "党史", "网院"],  # bad ID
        [
            world.cadre_b.id_number,
            "张喆",
            "2026-03-01",
            "2",
            "党史",
            "网院",
        ],  # allowed: county is in reach
        [world.cadre_a1.id_number, "李玥", "2026-03-02", "-1", "党史", "网院"],  # negative
        [world.cadre_a1.id_number, "李玥", "2026-03-02", "500", "党史", "网院"],  # absurd
    ]
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    assert response.status_code == 302
    hour_import = HourImport.objects.get()
    lines = error_lines(hour_import)
    assert set(lines) == {3, 4, 6, 7}
    page = client.get(response.url).content.decode()
    assert "重复" in page and "身份证" in page
    assert client.post(response.url).status_code == 302
    assert not HourRecord.objects.exists()


def test_a_clean_import_commits_every_row_once(world, login):
    client = login(world.bob)
    rows = [
        [world.cadre_a.id_number, "王堃", "2026-03-01", "2.5", "党史", "网院"],
        [world.cadre_a1.id_number, "李玥", "2026-03-01", "3", "党史", "网院"],
    ]
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    client.post(response.url)
    assert HourRecord.objects.filter(kind="online").count() == 2
    # The same file again: every row is already imported, nothing is counted twice.
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    assert len(error_lines(HourImport.objects.latest("id"))) == 2
    client.post(response.url)
    assert HourRecord.objects.count() == 2


def test_the_import_accepts_excel(world, login, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "姓名", "学习日期", "学时", "课程", "平台"])
    sheet.append([world.cadre_a.id_number, "王堃", dt.date(2026, 3, 1), 4, "党章", "网院"])
    path = tmp_path / "hours.xlsx"
    book.save(path)
    client = login(world.bob)
    response = client.post(
        "/hours/import/", {"file": SimpleUploadedFile("hours.xlsx", path.read_bytes())}
    )
    client.post(response.url)
    assert HourRecord.objects.get().hours == 4


def test_outsiders_cannot_import_or_see_an_import(world, login):
    rows = [[world.cadre_b.id_number, "张喆", "2026-03-01", "2", "党史", "网院"]]
    carol = login(world.carol)
    response = carol.post("/hours/import/", {"file": csv_upload(rows)})
    assert login(world.alice).get("/hours/import/").status_code == 403
    assert login(world.bob).get(response.url).status_code == 404  # someone else's upload
    # Carol cannot credit a city cadre.
    login(world.carol).post(
        "/hours/import/",
        {"file": csv_upload([[world.cadre_a.id_number, "王堃", "2026-03-01", "2", "a", "b"]])},
    )
    assert error_lines(HourImport.objects.latest("id"))


def test_a_broken_file_gets_a_clear_message(world, login):
    client = login(world.bob)
    response = client.post(
        "/hours/import/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")}
    )
    assert response.status_code == 200
    assert "Excel" in response.content.decode()
    assert not HourImport.objects.exists()
    assert Cadre.objects.exists()


def preview_lines(page: str) -> dict[int, str]:
    import re

    return {
        int(line): re.sub(r"<[^>]+>", " ", cells)
        for line, cells in re.findall(r'<tr data-line="(\d+)"[^>]*>(.*?)</tr>', page, re.S)
    }


def test_the_import_preview_shows_each_kind_of_error_on_its_line(world, login):
    client = login(world.bob)
    a, a1, b = world.cadre_a.id_number, world.cadre_a1.id_number, world.cadre_b.id_number
    earlier = client.post(
        "/hours/import/", {"file": csv_upload([[a, "王堃", "2026-03-01", "2", "党史", "网院"]])}
    )
    client.post(earlier.url)
    assert HourRecord.objects.count() == 1
    rows = [
        [a, "王堃", "2026-03-01", "2", "党史", "网院"],  # 2: already imported
        ["110105194912310021", "某人", "2026-03-01", "2", "党史", "网院"],  # 3: unknown ID
        [a1, "李玥", "2026-03-02", "-1", "党史", "网院"],  # 4: negative
        [a1, "李玥", "2026-03-02", "500", "党章", "网院"],  # 5: absurd
        [a1, "李玥", "2026-03-02", "0.04", "条例", "网院"],  # 6: too precise (would be 0.0)
        [a, "王堃", "2026-03-03", "2", "党章", "网院"],  # 7: fine
        [a, "王堃", "2026-03-03", "2", "党章", "网院"],  # 8: duplicate of line 7
        [b, "张喆", "2026-03-04", "24", "课一", "网院"],  # 9: fine alone
        [b, "张喆", "2026-03-04", "24", "课二", "网院"],  # 10: 48 h on one day
        [a, "王堃", "2026-03-01", "23", "课三", "网院"],  # 11: 25 h with the ledger's 2
        [a1, "李玥", "2026-03-05", "2.50", "课四", "网院"],  # 12: fine (one decimal place)
        [a1, "李玥", "1900-01-01", "2", "课五", "网院"],  # 13: a mistyped year
        [a, "张冠李", "2026-03-06", "2", "课六", "网院"],  # 14: another's ID number
        [a1, "李玥", "2026-03-06", "2", "课" * 256, "网院"],  # 15: a course too long
    ]
    response = client.post("/hours/import/", {"file": csv_upload(rows)})
    lines = preview_lines(client.get(response.url).content.decode())
    expected = {
        2: "已导入过",
        3: "身份证号码不存在",
        4: "学时必须大于0",
        5: "单行学时超过24",
        6: "小数",
        8: "与前面的行重复",
        10: "48",
        11: "25",
        13: "上一规划期的第一天",
        14: "与身份证号码不符",
        15: "超过255个字",
    }
    for line, text in expected.items():
        assert text in lines[line], (line, lines[line])
    assert "24" in lines[10] and "当天" in lines[10] and "当天" in lines[11]
    for fine in (7, 9, 12):
        assert (
            "errorlist" not in lines[fine]
            and not HourImport.objects.latest("id").lines.get(line=fine).errors
        )
    assert set(error_lines(HourImport.objects.latest("id"))) == set(expected)
    # All or nothing: the rows without errors are not imported either.
    client.post(response.url)
    assert HourRecord.objects.count() == 1


def test_a_too_precise_hour_is_never_stored_rounded(world, login):
    client = login(world.bob)
    row = [world.cadre_a.id_number, "王堃", "2026-03-01", "0.04", "党史", "网院"]
    response = client.post("/hours/import/", {"file": csv_upload([row])})
    assert error_lines(HourImport.objects.get())
    client.post(response.url)
    assert not HourRecord.objects.exists()


def test_hours_imported_meanwhile_count_towards_the_day_at_commit(world, login):
    client = login(world.bob)
    a = world.cadre_a.id_number
    first = client.post(
        "/hours/import/", {"file": csv_upload([[a, "王堃", "2026-03-01", "20", "党史", "网院"]])}
    )
    second = client.post(
        "/hours/import/", {"file": csv_upload([[a, "王堃", "2026-03-01", "10", "党章", "网院"]])}
    )
    client.post(second.url)
    assert HourRecord.objects.count() == 1
    page = client.post(first.url, follow=True).content.decode()
    assert "其间已为" in page
    assert HourRecord.objects.count() == 1
