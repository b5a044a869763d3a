"""The sample documents (`manage.py sample_documents --builtin`, what an administrator
previews the templates with) agree with themselves: the circular names as many absentees
as its figures count, each of them owes the makeup its 补训通知 lists, and the plan's
seats table adds up to the seats its notice states."""

import re

from notifications.documents import circular as circular_document
from notifications.documents.context import Table
from notifications.documents.samples import sample_contexts


def _tables(context):
    return [b for a in context.attachments for b in a.blocks if isinstance(b, Table)]


def test_the_circular_and_the_makeup_notice_count_the_same_absentees():
    contexts = sample_contexts(use_database=False)
    circular, makeup = contexts["circular"], contexts["makeup_notice"]
    text = circular_document.body_text(circular.body)
    absent = int(re.search(r"未经批准缺训(\d+)人次", text).group(1))
    assert f"应补训{absent}人次" in text
    [owed] = [t for t in _tables(makeup) if "缺训原因" in t.columns]
    [named] = [t for t in _tables(circular) if t.columns == ["序号", "姓名", "单位", "缺训班次"]]
    [figures] = [t for t in _tables(circular) if "缺训" in t.columns]
    column = figures.columns.index("缺训")
    absent_in = {row[1]: row[column] for row in figures.rows if row[1] != "合计"}
    assert len(owed.rows) == len(named.rows) == absent == sum(absent_in.values()) > 0
    for (_, name, unit, missed), row in zip(named.rows, owed.rows, strict=True):
        # the same cadre, of a unit counted absent, owing a makeup of the class missed
        assert (row[1], row[2].startswith(unit), row[3], row[4]) == (name, True, missed, "无故缺训")
        assert absent_in[unit] > 0
    # the class was held in the quarter reported, before the circular's date
    year = re.search(r"(\d{4})年第.季度", circular.title).group(1)
    assert all(row[3].startswith(f"{year}年") for row in owed.rows)


def test_the_plans_seats_add_up_to_its_notice():
    plan = sample_contexts(use_database=False)["dispatch_plan"]
    text = "".join(getattr(block, "text", "") for block in plan.body)
    stated = int(re.search(r"计划调训(\d+)人次", text).group(1))
    seats = next(t for t in _tables(plan) if t.rows and t.rows[-1][1] == "合计")
    assert seats.rows[-1][-1] == stated
