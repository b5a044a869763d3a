"""Needs surveys (需求调研): the dispatcher's questions, each unit's answer and its
head's approval, the aggregated results."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        from notifications.reminders import register_reminder_source
        from surveys.flows import SurveyAnswerFlow, SurveyFlow
        from surveys.notices import reminder_candidates
        from workflow.registry import register_flow

        register_reminder_source(reminder_candidates)

        register_flow(SurveyFlow, icon="quiz", order=85)
        register_flow(SurveyAnswerFlow, icon="edit_note", order=86)
