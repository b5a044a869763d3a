"""Reads of the surveys app, filtered to what a user may see, at flat query counts.

Who sees what: a survey belongs to its organization department; it is read by whoever
reads that department's unit (its dispatchers and head, the auditor, a superior
department), so another county's dispatcher sees nothing of it (404). A unit's answer
is read through its process, by whoever reads the unit (its liaison and head)."""

from collections import defaultdict

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from org import selectors as org_selectors
from org.models import (
    CadreCategory,
    OrgDepartment,
    PathWithin,
    Unit,
    UnitGroupObjectPermission,
    UnitUserObjectPermission,
)
from surveys.models import AnswerLine, AnswerStatus, QuestionKind, Survey, SurveyAnswer

LIAISON = "act_as_liaison"


def recipient_units(org_department: OrgDepartment) -> QuerySet[Unit]:
    """The units a survey of `org_department` goes to: every unit of its jurisdiction on
    which an active user holds the liaison role directly (or through a group) — the
    units with a liaison of their own — except the units of a narrower organization
    department inside it (a county's units answer the county's survey). Two queries."""

    root = org_department.jurisdiction
    direct = UnitUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename=LIAISON,
        permission__content_type__app_label="org",
        user__is_active=True,
    )
    via_group = UnitGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename=LIAISON,
        permission__content_type__app_label="org",
    )
    nested = [
        path
        for path in OrgDepartment.objects.filter(
            PathWithin(F("jurisdiction__path"), root.path)
        ).values_list("jurisdiction__path", flat=True)
        if path != root.path
    ]
    units = Unit.objects.subtree(root).filter(Exists(direct) | Exists(via_group))
    for path in nested:
        units = units.exclude(PathWithin(F("path"), path))
    return units.order_by("path")


def surveys_in_reach(user) -> QuerySet[Survey]:
    """Surveys of the organization departments whose unit the user reads."""
    return Survey.objects.filter(org_department__unit__in=org_selectors.units_in_reach(user))


def survey_list(user) -> QuerySet[Survey]:
    """`surveys_in_reach`, newest first, with their answer counts."""
    return (
        surveys_in_reach(user)
        .select_related("org_department__unit")
        .annotate(
            units=Count("answers"),
            approved=Count("answers", filter=Q(answers__status=AnswerStatus.APPROVED)),
        )
        .order_by("-year", "-created_at", "-pk")
    )


def survey_for(user, pk: int | None) -> Survey | None:
    if pk is None:
        return None
    return survey_list(user).filter(pk=pk).first()


def survey_answers(survey: Survey) -> QuerySet[SurveyAnswer]:
    """The survey's answers, one per unit: approved first, then the pending ones."""
    return (
        SurveyAnswer.objects.filter(survey=survey)
        .select_related("unit", "submitted_by", "decided_by")
        .order_by("unit__path", "pk")
    )


def answer_lines(answer: SurveyAnswer) -> list[AnswerLine]:
    """The answer's current lines (not superseded), in question order."""
    return list(
        answer.lines.filter(superseded=False)
        .select_related("question")
        .order_by("question__position", "pk")
    )


def survey_results(survey: Survey) -> dict:
    """The survey's results as plain data (the planning app reads it to inform a plan
    draft). Only approved answers count. Three queries, however many units.

    {"survey": {id, title, year, deadline, org_department},
     "units": {"total", "approved", "pending"},
     "topics": [{"topic", "offered", "units", "cadres"}], most wanted first,
     "categories": [{"category", "label", "cadres", "units"}], in the categories' order,
     "months": [{"month", "units", "cadres"}] for 1–12,
     "cadres": total cadres needing training}

    A topic's or month's `cadres` are the cadres needing training of the units that want
    it (each unit's total over the categories)."""
    counts = survey.answers.aggregate(
        total=Count("pk"), approved=Count("pk", filter=Q(status=AnswerStatus.APPROVED))
    )
    offered = []
    question = survey.questions.filter(kind=QuestionKind.TOPICS).first()
    if question is not None:
        offered = list(question.options)
    lines = AnswerLine.objects.filter(
        answer__survey=survey, answer__status=AnswerStatus.APPROVED, superseded=False
    ).values_list("answer_id", "question__kind", "topic", "category", "cadres", "month")
    per_unit: dict[int, int] = defaultdict(int)
    topics: dict[str, set] = defaultdict(set)
    categories: dict[str, list] = defaultdict(lambda: [0, set()])
    months: dict[int, set] = defaultdict(set)
    for answer_id, kind, topic, category, cadres, month in lines:
        if kind == QuestionKind.TOPICS:
            topics[topic].add(answer_id)
        elif kind == QuestionKind.CADRES:
            per_unit[answer_id] += cadres
            if cadres:
                categories[category][0] += cadres
                categories[category][1].add(answer_id)
        elif kind == QuestionKind.MONTHS:
            months[month].add(answer_id)

    def cadres_of(answer_ids):
        return sum(per_unit[a] for a in answer_ids)

    topic_rows = [
        {
            "topic": topic,
            "offered": topic in offered,
            "units": len(topics.get(topic, ())),
            "cadres": cadres_of(topics.get(topic, ())),
        }
        for topic in [*offered, *sorted(t for t in topics if t not in offered)]
    ]
    topic_rows.sort(key=lambda r: (-r["units"], -r["cadres"]))
    return {
        "survey": {
            "id": survey.pk,
            "title": survey.title,
            "year": survey.year,
            "deadline": survey.deadline,
            "org_department": survey.org_department_id,
        },
        "units": {
            "total": counts["total"],
            "approved": counts["approved"],
            "pending": counts["total"] - counts["approved"],
        },
        "topics": topic_rows,
        "categories": [
            {
                "category": value,
                "label": str(label),
                "cadres": categories[value][0] if value in categories else 0,
                "units": len(categories[value][1]) if value in categories else 0,
            }
            for value, label in CadreCategory.choices
        ],
        "months": [
            {"month": m, "units": len(months.get(m, ())), "cadres": cadres_of(months.get(m, ()))}
            for m in range(1, 13)
        ],
        "cadres": sum(per_unit.values()),
    }
