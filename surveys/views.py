"""The survey pages: the list, a survey's page (its questions and which units answered)
and its results. Each loads the survey through the user's reach (404 outside it)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import exports
from core.http import positive_int
from org import policy
from surveys import exports as survey_exports
from surveys import selectors
from surveys.flows import SurveyFlow

PAGE_SIZE = 50


def _survey(request, pk):
    survey = selectors.survey_for(request.user, positive_int(pk))
    if survey is None:
        raise Http404
    return survey


@login_required
@require_GET
def survey_list(request):
    policy.require_reach(request.user)
    surveys = selectors.survey_list(request.user)
    if exports.requested_format(request):
        return exports.export_response(
            request, surveys, survey_exports.SURVEYS, _("Needs surveys"), "surveys"
        )
    page = Paginator(surveys, PAGE_SIZE).get_page(request.GET.get("page"))
    may_open = SurveyFlow.start.can_execute(request.user)
    return render(request, "surveys/survey_list.html", {"page": page, "may_open": may_open})


@login_required
@require_GET
def survey_detail(request, pk: int):
    survey = _survey(request, pk)
    answers = selectors.survey_answers(survey)
    if exports.requested_format(request):
        return exports.export_response(
            request, answers, survey_exports.ANSWERS, survey.title, f"survey-{survey.pk}-units"
        )
    page = Paginator(answers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/survey_detail.html",
        {"survey": survey, "questions": survey.questions.all(), "page": page},
    )


@login_required
@require_GET
def survey_results(request, pk: int):
    survey = _survey(request, pk)
    results = selectors.survey_results(survey)
    if exports.requested_format(request):
        return exports.export_response(
            request,
            survey_exports.result_rows(results),
            survey_exports.RESULTS,
            f"{survey.title}-{_('Results')}",
            f"survey-{survey.pk}-results",
        )
    return render(request, "surveys/survey_results.html", {"survey": survey, "results": results})
