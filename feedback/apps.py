"""Trainee feedback on a class and its sessions, and the post-training follow-up
(训后跟踪考核) by the trainee's department head."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = _("Feedback")

    def ready(self):
        from django.db.models.signals import post_save

        from dispatch.models import Dispatch
        from dispatch.services.attendance_corrections import attendance_corrected
        from feedback import flows
        from feedback.receivers import on_attendance_corrected, on_dispatch_saved
        from feedback.todos import EVALUATIONS
        from workflow.registry import register_flow, register_todos

        # Dispatch never imports feedback: attendance is heard as the dispatch's save.
        post_save.connect(on_dispatch_saved, sender=Dispatch, dispatch_uid="feedback.attended")
        attendance_corrected.connect(
            on_attendance_corrected, sender=Dispatch, dispatch_uid="feedback.corrected"
        )
        register_flow(flows.FollowUpFlow, icon="fact_check", order=75)
        register_todos(EVALUATIONS)  # a trainee's open evaluations, in 我的待办
