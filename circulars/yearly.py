"""The yearly circular's further sections: the dispatch plan against what was done
(`planning.selectors.plan_vs_actual`), the classes' evaluations and follow-ups
(`feedback.selectors.yearly_results`), and the leadership-team and young-cadre training
cycles at the year's end (`dispatch.leadership.leadership_compliance`). Counted with the
other figures and stored with them as plain JSON, so the head approves, and the PDF
prints, what the drafter saw."""

from __future__ import annotations

import datetime as dt
import json

from django.core.serializers.json import DjangoJSONEncoder

from core.formatting import format_percent
from dispatch.leadership import leadership_compliance
from feedback.selectors import yearly_results
from notifications.documents.context import Attachment, Heading, Paragraph, Table
from org.models import Cadre
from planning.selectors import plan_vs_actual


def is_yearly(start: dt.date, end: dt.date) -> bool:
    return (start.month, start.day) == (1, 1) and end == dt.date(start.year, 12, 31)


def yearly_figures(org_department, start: dt.date, end: dt.date) -> dict | None:
    """The plan's lines per unit and the feedback figures of the year, or None when the
    period is not a calendar year."""
    if not is_yearly(start, end):
        return None
    plan = [
        {k: row[k] for k in ("class", "unit", "planned", "named", "attended", "gap")}
        for row in plan_vs_actual(org_department, start.year)
    ]
    results = yearly_results(org_department, start.year)
    keep = ("invited", "answered", "score", "follow_ups", "done", "rating")
    feedback = [
        {"class": c["class_name"], "institution": c["institution"], **{k: c[k] for k in keep}}
        for c in results["classes"]
    ]
    institutions = [
        {"institution": r["institution"], **{k: r[k] for k in keep}}
        for r in results["institutions"]
    ]
    # The cadres of the department's jurisdiction, as of the year's last day.
    cadres = Cadre.objects.filter(unit__path__startswith=org_department.jurisdiction.path)
    cycles = leadership_compliance(cadres, end)
    keep = ("leaders", "leaders_met", "young", "young_rotated", "young_overdue", "young_late")
    leadership = {k: cycles[k] for k in keep}
    # Decimals and dates as JSON text, like the rest of the stored figures.
    figures = {
        "plan": plan,
        "feedback": feedback,
        "institutions": institutions,
        "leadership": leadership,
    }
    return json.loads(json.dumps(figures, cls=DjangoJSONEncoder))


def _number(value) -> str:
    if value in (None, ""):
        return "—"
    try:
        return f"{float(value):.1f}"
    except (TypeError, ValueError):
        return str(value)


def yearly_blocks(yearly: dict | None, year_label: str) -> tuple[list, list]:
    """Body paragraphs (under their own headings) and attachments for the yearly
    sections; nothing when there is no plan and no evaluated class."""
    if not yearly:
        return [], []
    body: list = []
    attachments: list = []
    plan = yearly.get("plan") or []
    if plan:
        planned = sum(r["planned"] for r in plan)
        named = sum(r["named"] for r in plan)
        attended = sum(r["attended"] for r in plan)
        classes = len({r["class"] for r in plan})
        short = list(dict.fromkeys(r["unit"] for r in plan if r["gap"] > 0))
        rate = format_percent(attended, planned)
        body += [
            Heading("年度调训计划执行情况"),
            Paragraph(
                f"{year_label}调训计划安排{classes}个班次、计划名额{planned}人，"
                f"实际点名调训{named}人次、参训{attended}人次，计划完成率{rate}。"
                + (f"{'、'.join(short[:10])}等单位参训人数少于计划名额。" if short else "")
            ),
        ]
        attachments.append(
            Attachment(
                f"{year_label}调训计划执行情况表",
                [
                    Table(
                        columns=["序号", "班次", "单位", "计划", "点名", "参训", "差额"],
                        rows=[
                            [
                                i,
                                r["class"],
                                r["unit"],
                                r["planned"],
                                r["named"],
                                r["attended"],
                                r["gap"],
                            ]
                            for i, r in enumerate(plan, start=1)
                        ]
                        + [["", "合计", "", planned, named, attended, planned - attended]],
                        widths=[0.8, 3.2, 3.0, 0.9, 0.9, 0.9, 0.9],
                        note="注：差额＝计划－参训。",
                        total=True,
                    )
                ],
            )
        )
    feedback = yearly.get("feedback") or []
    if feedback:
        invited = sum(r["invited"] for r in feedback)
        answered = sum(r["answered"] for r in feedback)
        follow_ups = sum(r["follow_ups"] for r in feedback)
        done = sum(r["done"] for r in feedback)
        body += [
            Heading("培训评估和训后跟踪情况"),
            Paragraph(
                f"{year_label}共有{len(feedback)}个班次开展训后评估，应评{invited}人次、"
                f"已评{answered}人次；训后跟踪考核{follow_ups}人次，已完成{done}人次。"
            ),
        ]
        attachments.append(
            Attachment(
                f"{year_label}培训评估情况表",
                [
                    Table(
                        columns=[
                            "序号",
                            "班次",
                            "培训机构",
                            "应评",
                            "已评",
                            "评分",
                            "跟踪",
                            "完成",
                            "学用",
                        ],
                        rows=[
                            [i, r["class"], r["institution"], *_feedback_cells(r)]
                            for i, r in enumerate(feedback, start=1)
                        ],
                        widths=[0.8, 3.0, 2.4, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
                        note="注：评分、学用为平均分，作答不足规定人数的不显示（—）。",
                    ),
                    *_institution_table(yearly.get("institutions") or []),
                ],
            )
        )
    leadership = yearly.get("leadership") or {}
    if leadership.get("leaders") or leadership.get("young"):
        body += [Heading("领导班子成员和优秀年轻干部培训情况"), Paragraph(_cycles_text(leadership))]
    return body, attachments


def _feedback_cells(r: dict) -> list:
    """应评, 已评, 评分, 跟踪, 完成, 学用 of one class or institution."""
    return [
        r["invited"],
        r["answered"],
        _number(r["score"]),
        r["follow_ups"],
        r["done"],
        _number(r["rating"]),
    ]


def _institution_table(institutions: list[dict]) -> list:
    """The same figures per training institution (what each one is told, in aggregate)."""
    if not institutions:
        return []
    return [
        Table(
            caption="按培训机构汇总",
            columns=["序号", "培训机构", "应评", "已评", "评分", "跟踪", "完成", "学用"],
            rows=[
                [i, r["institution"], *_feedback_cells(r)]
                for i, r in enumerate(institutions, start=1)
            ],
            widths=[0.8, 4.6, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
        )
    ]


def _cycles_text(leadership: dict) -> str:
    """领导班子成员 meeting their training cycle (both rules: the systematic training and
    the concentrated days); young cadres rotated in time, late, or overdue."""
    parts = []
    leaders, met = leadership.get("leaders", 0), leadership.get("leaders_met", 0)
    if leaders:
        parts.append(
            f"领导班子成员{leaders}人，{met}人达到培训周期要求（系统培训和集中培训天数），"
            f"达标率{format_percent(met, leaders)}"
        )
    young, rotated = leadership.get("young", 0), leadership.get("young_rotated", 0)
    if young:
        late = leadership.get("young_late", 0)
        overdue = leadership.get("young_overdue", 0)
        parts.append(
            f"优秀年轻干部{young}人，{rotated}人已按期参加调训"
            + (f"，{late}人逾期后完成调训" if late else "")
            + (f"，{overdue}人逾期未训" if overdue else "")
        )
    return "；".join(parts) + "。"
