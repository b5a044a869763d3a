"""Every read of the feedback app. A trainee reads their own evaluations; everyone else
reads aggregates only, of the classes in their reach (`classes_in_reach`: organized by a
department in reach, or held at an institution in reach), and no aggregate of fewer than
`MIN_AGGREGATE` answers."""

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Sum

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
#: what the report counts: every evaluation but those withdrawn with a corrected
#: attendance (the trainee did not attend), and the same of follow-ups
COUNTED = ~Q(status=EvaluationStatus.WITHDRAWN)
FOLLOW_UPS_COUNTED = ~Q(status=FollowUpStatus.WITHDRAWN)


def _own_evaluations(user) -> QuerySet[Evaluation]:
    if not user.is_authenticated:
        return Evaluation.objects.none()
    return Evaluation.objects.filter(cadre__user=user).select_related(
        "training_class__institution__unit"
    )


def my_evaluations(user) -> QuerySet[Evaluation]:
    """The evaluations of the signed-in trainee's own cadre record, open ones first (not
    those withdrawn: attendance corrected to absent)."""
    return (
        _own_evaluations(user)
        .filter(COUNTED)
        .order_by("-status", "-training_class__end_date", "-pk")
    )


def evaluation_for(user, pk: int) -> Evaluation | None:
    """The trainee's own evaluation — withdrawn ones too, for the page to say so — or
    None (404) for anyone else's."""
    return _own_evaluations(user).select_related("cadre").filter(pk=pk).first()


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


def _evaluation_figures(class_ids) -> dict[int, dict]:
    """Per class: evaluations, answers, and the sum and number of scores (averages are
    taken from these, so that institutions can be summed up from the classes)."""
    rows = (
        Evaluation.objects.filter(COUNTED, training_class_id__in=class_ids)
        .values("training_class")
        .annotate(
            # Only a trainee with an account is asked (`services._invite`): one without
            # could never answer, and would only lower the rate.
            invited=Count("pk", filter=Q(cadre__user__isnull=False)),
            answered=Count("pk", filter=SUBMITTED),
            score_sum=Sum("score", filter=SUBMITTED),
            scores=Count("score", filter=SUBMITTED),
        )
        .order_by()
    )
    return {r.pop("training_class"): r for r in rows}


def _follow_up_figures(class_ids) -> dict[int, dict]:
    done = Q(status=FollowUpStatus.DONE)
    rows = (
        FollowUp.objects.filter(FOLLOW_UPS_COUNTED, training_class_id__in=class_ids)
        .values("training_class")
        .annotate(
            follow_ups=Count("pk"),
            done=Count("pk", filter=done),
            applied_yes=Count("pk", filter=done & Q(applied=Applied.YES)),
            applied_partly=Count("pk", filter=done & Q(applied=Applied.PARTLY)),
            applied_no=Count("pk", filter=done & Q(applied=Applied.NO)),
            rating_sum=Sum("rating", filter=done),
            ratings=Count("rating", filter=done),
        )
        .order_by()
    )
    return {r.pop("training_class"): r for r in rows}


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
#: what the figures count, summed from classes up to institutions
_SUMS = ("score_sum", "scores", "rating_sum", "ratings")


def _line(figures: dict) -> dict:
    line = {key: figures.get(key, value) for key, value in EMPTY.items()}
    scores, ratings = figures.get("scores"), figures.get("ratings")
    line["score"] = shown(line["answered"], figures["score_sum"] / scores if scores else None)
    line["rating"] = shown(line["done"], figures["rating_sum"] / ratings if ratings else None)
    return line


def _figures(class_ids) -> dict[int, dict]:
    """Evaluation and follow-up figures per class id (two grouped queries, one pass over
    each table restricted to the classes)."""
    evaluations = _evaluation_figures(class_ids)
    follow_ups = _follow_up_figures(class_ids)
    return {
        pk: {**evaluations.get(pk, {}), **follow_ups.get(pk, {})}
        for pk in evaluations.keys() | follow_ups.keys()
    }


def report_classes(user) -> QuerySet[TrainingClass]:
    """The classes of the report: those in reach that have any evaluation counted."""
    return (
        classes_in_reach(user)
        .filter(Exists(Evaluation.objects.filter(COUNTED, training_class=OuterRef("pk"))))
        .select_related("institution__unit", "organizer__unit")
        .order_by("-end_date", "-pk")
    )


def class_lines(classes) -> list[dict]:
    """Each class with its figures (two queries whatever the number of classes)."""
    classes = list(classes)
    figures = _figures([c.pk for c in classes])
    return [{"training_class": c, **_line(figures.get(c.pk, {}))} for c in classes]


def _institution_rollup(class_institutions: dict[int, int], figures: dict[int, dict]):
    """The classes' figures summed per institution; an institution is listed when one of
    its classes has evaluations."""
    totals: dict[int, dict] = {}
    for pk, class_figures in figures.items():
        total = totals.setdefault(class_institutions[pk], {"classes": 0})
        total["classes"] += "invited" in class_figures
        for key in (*EMPTY, *_SUMS):
            if key not in ("score", "rating"):
                total[key] = total.get(key, 0) + (class_figures.get(key) or 0)
    listed = [pk for pk, total in totals.items() if total["classes"]]
    institutions = Institution.objects.filter(pk__in=listed).select_related("unit")
    return [
        {"institution": i, **_line(totals[i.pk]), "classes": totals[i.pk]["classes"]}
        for i in institutions
    ]


def institution_lines(classes: QuerySet) -> list[dict]:
    """Figures per institution over `classes`: the classes' figures summed up (the
    classes, two grouped queries, the institutions)."""
    class_institutions = dict(classes.order_by().values_list("pk", "institution_id"))
    return _institution_rollup(class_institutions, _figures(list(class_institutions)))


def session_lines(training_class) -> list[dict]:
    """Each session of the class with its answer count and average score (hidden below
    the threshold). Two queries."""
    figures = {
        r["session"]: r
        for r in SessionScore.objects.filter(
            session__training_class=training_class, evaluation__status=EvaluationStatus.SUBMITTED
        )
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
        .filter(Exists(Evaluation.objects.filter(COUNTED, training_class=OuterRef("pk"))))
        .select_related("institution__unit")
        .order_by("start_date", "pk")
    )

    classes = list(classes)
    figures = _figures([c.pk for c in classes])  # once for both lists

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
            for line in ({"training_class": c, **_line(figures.get(c.pk, {}))} for c in classes)
        ],
        "institutions": [
            plain(line, institution=line["institution"].name)
            for line in _institution_rollup({c.pk: c.institution_id for c in classes}, figures)
        ],
    }
