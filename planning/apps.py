"""The yearly dispatch plan (年度调训计划): lines, consultation (会商), approval,
publication into classes and roll calls, plan against actual."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = _("Planning")

    def ready(self):
        from notifications.reach import register_document_reach
        from planning.flows import ConsultationFlow, PlanFlow
        from planning.selectors import plan_documents
        from planning.todos import OFFERED_SEATS
        from workflow.registry import register_flow, register_todos

        register_document_reach(plan_documents)
        register_flow(PlanFlow, icon="event_note", order=15)
        register_flow(ConsultationFlow, icon="forum", order=16)
        register_todos(OFFERED_SEATS)  # seats offered to a partner, in its 我的待办
        # An institution's capacity counts the seats the plans hold there; a class a
        # published line was made into keeps its dates until the line's roll call starts.
        from dispatch.capacity import register_planned_bookings, register_planned_seats
        from dispatch.services.classes import register_plan_holds
        from planning.policy import plan_holds, planned_bookings, planned_seats

        register_planned_seats(planned_seats)
        register_planned_bookings(planned_bookings)
        register_plan_holds(plan_holds)
        # The class page shows the teaching indicators a waived line's class misses so.
        from dispatch.teaching import register_waiver
        from planning.policy import class_waiver

        register_waiver(class_waiver)
        # The nomination's pages name the class's 调训对象 and mark nominees outside them.
        from dispatch.targets import register_class_targets
        from planning.policy import class_target_categories

        register_class_targets(class_target_categories)
        # The class's notices cite the plan it was made in as their basis.
        from dispatch.documents import register_basis
        from planning.policy import class_basis

        register_basis(class_basis)
