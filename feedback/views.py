"""The feedback pages: the trainee's own evaluations, and the report (aggregates only)
per class and per institution."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core import exports
from core.http import page_number
from feedback import exports as feedback_exports
from feedback import policy, selectors, services
from feedback.forms import EvaluationForm
from feedback.models import MIN_AGGREGATE, EvaluationStatus
from org.policy import require_reach

PAGE_SIZE = 50
EXPORT_CHUNK = 500


@login_required
def evaluation_list(request):
    """The signed-in trainee's evaluations (everyone else has none: an empty list)."""
    page = Paginator(selectors.my_evaluations(request.user), PAGE_SIZE)
    return render(
        request,
        "feedback/evaluation_list.html",
        {"page": page.get_page(page_number(request.GET.get("page")))},
    )


@login_required
def evaluation(request, pk: int):
    evaluation = selectors.evaluation_for(request.user, pk)
    if evaluation is None:
        raise Http404
    if evaluation.status == EvaluationStatus.WITHDRAWN:
        messages.info(request, policy.EVALUATION_WITHDRAWN)
        return redirect("feedback:evaluations")
    sessions = evaluation.training_class.sessions.order_by("date", "pk")
    if evaluation.status != EvaluationStatus.OPEN:
        return render(
            request,
            "feedback/evaluation.html",
            {
                "evaluation": evaluation,
                "session_scores": evaluation.sessions.select_related("session").order_by(
                    "session__date", "session__pk"
                ),
            },
        )
    form = EvaluationForm(request.POST or None, sessions=sessions)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_submit(
                actor=request.user,
                evaluation=evaluation,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                sessions=form.session_answers(),
            )
        except ValidationError as exc:
            by_field = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, errors in by_field.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Thank you: your evaluation was submitted."))
            return redirect("feedback:evaluations")
    return render(
        request,
        "feedback/evaluation.html",
        {
            "evaluation": evaluation,
            "form": form,
            "not_yet": not policy.class_has_ended(evaluation.training_class),
        },
    )


def _chunked_lines(classes):
    chunk = []
    for training_class in classes.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(training_class)
        if len(chunk) == EXPORT_CHUNK:
            yield from selectors.class_lines(chunk)
            chunk = []
    yield from selectors.class_lines(chunk)


@login_required
def report(request):
    """Figures per class, of the classes in the user's reach."""
    require_reach(request.user)
    classes = selectors.report_classes(request.user)
    if exports.requested_format(request):
        return exports.export_response(
            request,
            _chunked_lines(classes),
            feedback_exports.CLASSES,
            _("Training feedback by class"),
            "feedback-classes",
        )
    page = Paginator(classes, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    return render(
        request,
        "feedback/report.html",
        {"page": page, "lines": selectors.class_lines(page), "min_answers": MIN_AGGREGATE},
    )


@login_required
def institution_report(request):
    """Figures per institution, over the classes in the user's reach."""
    require_reach(request.user)
    lines = selectors.institution_lines(selectors.report_classes(request.user))
    if exports.requested_format(request):
        return exports.export_response(
            request,
            lines,
            feedback_exports.INSTITUTIONS,
            _("Training feedback by institution"),
            "feedback-institutions",
        )
    page = Paginator(lines, PAGE_SIZE).get_page(page_number(request.GET.get("page")))
    return render(
        request, "feedback/institutions.html", {"page": page, "min_answers": MIN_AGGREGATE}
    )


@login_required
def class_report(request, pk: int):
    training_class = selectors.class_report(request.user, pk)
    if training_class is None:
        raise Http404
    if exports.requested_format(request):
        return exports.export_response(
            request,
            selectors.session_lines(training_class),
            feedback_exports.SESSIONS,
            f"{training_class.name}-{_('Sessions')}",
            f"feedback-sessions-{training_class.pk}",
        )
    (line,) = selectors.class_lines([training_class])
    comments = (
        selectors.class_comments(training_class)
        if policy.sees_comments(request.user, training_class)
        else None
    )
    return render(
        request,
        "feedback/class_report.html",
        {
            "training_class": training_class,
            "line": line,
            "sessions": selectors.session_lines(training_class),
            "comments": comments,
            "min_answers": MIN_AGGREGATE,
        },
    )
