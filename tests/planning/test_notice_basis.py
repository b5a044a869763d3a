"""A class's 调训通知 cites the plan it was made in as its basis — the plan's title and
its document number — and a class no published plan holds cites nothing it cannot name;
"经研究" is said once."""

import re

from dispatch.documents import class_info
from notifications.documents import builders
from notifications.documents.context import Issuer
from notifications.documents.render import render_html
from planning import services
from planning.documents import issue_plan_document
from planning.publishing import set_document
from tests.dated import DECEMBER_2026
from tests.planning.helpers import publish, quota_line

pytestmark = DECEMBER_2026


def notice_text(world, training_class) -> str:
    context = builders.dispatch_notice(
        issuer=Issuer(name="中共某市委组织部", code="某组通"),
        training_class=class_info(training_class),
        cadres=[{"name": "王堃", "unit": world.a.name, "position": "科长"}],
        date=training_class.start_date,
    )
    html = render_html(context, document_number="某组通〔2027〕3号")
    return re.sub(r"<[^>]+>|\s", "", html)


def test_a_planned_class_cites_its_plan_and_its_number(world, staff):
    plan = services.plan_create(
        actor=world.bob, org_department=world.city_od, year=2027, title="某市2027年度干部调训计划"
    )
    line = quota_line(world, plan)
    publish(world, staff, plan)
    document = issue_plan_document(plan, actor=staff.oscar)
    set_document(plan, document)
    line.refresh_from_db()

    basis = f"根据《某市2027年度干部调训计划》（{document.document_number}）"
    assert class_info(line.training_class)["basis"] == basis
    text = notice_text(world, line.training_class)
    assert f"{basis}，经研究，决定举办{line.training_class.name}。" in text
    assert text.count("经研究") == 1
    assert "本期培训参训人员共1名，名单见附件1。" in text


def test_a_class_outside_any_plan_cites_no_plan(world, klass):
    assert class_info(klass)["basis"] == ""
    text = notice_text(world, klass)
    assert f"经研究，决定举办{klass.name}。" in text
    assert "根据" not in text and "年度干部教育培训计划" not in text
    assert text.count("经研究") == 1
