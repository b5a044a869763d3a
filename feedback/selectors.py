"""Every read of the feedback app. A trainee reads their own evaluations; everyone else
reads aggregates only, of the classes in their reach (`classes_in_reach`: organized by a
department in reach, or held at an institution in reach), and no aggregate of fewer than
`MIN_AGGREGATE` answers."""

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet

from dispatch.models import ClassSession, Institution, TrainingClass
from dispatch.selectors import classes_in_reach
from feedback.models import (
    MIN_AGGREGATE,
    Applied,
    Evaluation,
    EvaluationStatus,
    FollowUp,
    FollowUpStatus,
    SessionScore,
)

SUBMITTED = Q(status=EvaluationStatus.SUBMITTED)


def my_evaluations(user) -> QuerySet[Evaluation]:
    """The evaluations of the signed-in trainee's own cadre record, open ones first."""
    if not user.is_authenticated:
        return Evaluation.objects.none()
    return (
        Evaluation.objects.filter(cadre__user=user)
        .select_related("training_class__institution__unit")
        .order_by("-status", "-training_class__end_date", "-pk")
    )


def evaluation_for(user, pk: int) -> Evaluation | None:
    """The trainee's own evaluation, or None (404) for anyone else's."""
    return my_evaluations(user).select_related("cadre").filter(pk=pk).first()


def due_follow_ups(today) -> QuerySet[FollowUp]:
    """Scheduled follow-ups whose day has come (the daily schedule opens them)."""
    return FollowUp.objects.filter(status=FollowUpStatus.SCHEDULED, due_on__lte=today).order_by(
        "due_on", "pk"
    )


def shown(count: int, value):
    """An aggregate as it may be shown: None below the anonymity threshold."""
    if value is None or count < MIN_AGGREGATE:
        return None
    return round(float(value), 2)


def _evaluation_figures(classes: QuerySet) -> dict[int, dict]:
    rows = (
        Evaluation.objects.filter(training_class__in=classes)
        .values("training_class")
        .annotate(
            invited=Count("pk"),
            answered=Count("pk", filter=SUBMITTED),
            score=Avg("score", filter=SUBMITTED),
        )
        .order_by()
    )
    return {r["training_class"]: r for r in rows}


def _follow_up_figures(classes: QuerySet) -> dict[int, dict]:
    done = Q(status=FollowUpStatus.DONE)
    rows = (
        FollowUp.objects.filter(training_class__in=classes)
        .values("training_class")
        .annotate(
            follow_ups=Count("pk"),
            done=Count("pk", filter=done),
            applied_yes=Count("pk", filter=done & Q(applied=Applied.YES)),
            applied_partly=Count("pk", filter=done & Q(applied=Applied.PARTLY)),
            applied_no=Count("pk", filter=done & Q(applied=Applied.NO)),
            rating=Avg("rating", filter=done),
        )
        .order_by()
    )
    return {r["training_class"]: r for r in rows}


EMPTY = {
    "invited": 0,
    "answered": 0,
    "score": None,
    "follow_ups": 0,
    "done": 0,
    "applied_yes": 0,
    "applied_partly": 0,
    "applied_no": 0,
    "rating": None,
}


def _line(evaluations: dict, follow_ups: dict) -> dict:
    line = {**EMPTY}
    line.update({k: v for k, v in evaluations.items() if k != "training_class"})
    line.update({k: v for k, v in follow_ups.items() if k != "training_class"})
    line["score"] = shown(line["answered"], line["score"])
    line["rating"] = shown(line["done"], line["rating"])
    return line


def report_classes(user) -> QuerySet[TrainingClass]:
    """The classes of the report: those in reach that have any evaluation."""
    return (
        classes_in_reach(user)
        .filter(Exists(Evaluation.objects.filter(training_class=OuterRef("pk"))))
        .select_related("institution__unit", "organizer__unit")
        .order_by("-end_date", "-pk")
    )


def class_lines(classes) -> list[dict]:
    """Each class with its figures (three queries whatever the number of classes)."""
    classes = list(classes)
    ids = [c.pk for c in classes]
    evaluations = _evaluation_figures(TrainingClass.objects.filter(pk__in=ids))
    follow_ups = _follow_up_figures(TrainingClass.objects.filter(pk__in=ids))
    return [
        {"training_class": c, **_line(evaluations.get(c.pk, {}), follow_ups.get(c.pk, {}))}
        for c in classes
    ]


def institution_lines(classes: QuerySet) -> list[dict]:
    """Figures per institution over `classes` (two grouped queries and the institutions)."""
    evaluations = (
        Evaluation.objects.filter(training_class__in=classes)
        .values("training_class__institution")
        .annotate(
            invited=Count("pk"),
            answered=Count("pk", filter=SUBMITTED),
            score=Avg("score", filter=SUBMITTED),
            classes=Count("training_class", distinct=True),
        )
        .order_by()
    )
    done = Q(status=FollowUpStatus.DONE)
    follow_ups = (
        FollowUp.objects.filter(training_class__in=classes)
        .values("training_class__institution")
        .annotate(
            follow_ups=Count("pk"),
            done=Count("pk", filter=done),
            applied_yes=Count("pk", filter=done & Q(applied=Applied.YES)),
            applied_partly=Count("pk", filter=done & Q(applied=Applied.PARTLY)),
            applied_no=Count("pk", filter=done & Q(applied=Applied.NO)),
            rating=Avg("rating", filter=done),
        )
        .order_by()
    )
    key = "training_class__institution"
    by_evaluation = {r[key]: r for r in evaluations}
    by_follow_up = {r[key]: r for r in follow_ups}
    institutions = Institution.objects.filter(pk__in=list(by_evaluation)).select_related("unit")
    lines = []
    for institution in institutions:
        evaluation = {k: v for k, v in by_evaluation[institution.pk].items() if k != key}
        follow_up = {k: v for k, v in by_follow_up.get(institution.pk, {}).items() if k != key}
        lines.append({"institution": institution, **_line(evaluation, follow_up)})
    return lines


def session_lines(training_class) -> list[dict]:
    """Each session of the class with its answer count and average score (hidden below
    the threshold). Two queries."""
    figures = {
        r["session"]: r
        for r in SessionScore.objects.filter(session__training_class=training_class)
        .values("session")
        .annotate(answers=Count("pk"), score=Avg("score"))
        .order_by()
    }
    lines = []
    for session in ClassSession.objects.filter(training_class=training_class).order_by(
        "date", "pk"
    ):
        row = figures.get(session.pk, {"answers": 0, "score": None})
        lines.append(
            {
                "session": session,
                "answers": row["answers"],
                "score": shown(row["answers"], row["score"]),
            }
        )
    return lines


def class_comments(training_class) -> list[str]:
    """The class's comments, unsigned and in the order of their text (not of submission,
    so none can be matched to a trainee); none below the threshold. Bounded."""
    submitted = Evaluation.objects.filter(SUBMITTED, training_class=training_class)
    if submitted.count() < MIN_AGGREGATE:
        return []
    return list(
        submitted.exclude(comment="").order_by("comment").values_list("comment", flat=True)[:200]
    )


def class_report(user, pk: int) -> TrainingClass | None:
    """A class in the user's reach that has evaluations, or None (404)."""
    return report_classes(user).filter(pk=pk).first()


def yearly_results(org_department, year: int) -> dict:
    """The feedback and follow-up figures of the classes `org_department` organized that
    ended in `year`, for the yearly circular: plain data, per class and per institution;
    averages are None below the anonymity threshold."""
    classes = (
        TrainingClass.objects.filter(organizer=org_department, end_date__year=year)
        .filter(Exists(Evaluation.objects.filter(training_class=OuterRef("pk"))))
        .select_related("institution__unit")
        .order_by("start_date", "pk")
    )

    def plain(line, **names):
        return {**names, **{k: v for k, v in line.items() if k in EMPTY}}

    return {
        "year": year,
        "min_answers": MIN_AGGREGATE,
        "classes": [
            plain(
                line,
                class_id=line["training_class"].pk,
                class_name=line["training_class"].name,
                institution=line["training_class"].institution.name,
            )
            for line in class_lines(classes)
        ],
        "institutions": [
            plain(line, institution=line["institution"].name) for line in institution_lines(classes)
        ],
    }
