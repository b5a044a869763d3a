"""The API's action endpoints: each calls the same service (or Viewflow task) as the page.
All live under /api/v1/actions/, so they never share a path with a read endpoint."""

from api.actions.attendance import ClassAttendanceViewSet
from api.actions.hours import HourImportViewSet
from api.actions.notices import NotificationAckViewSet
from api.actions.starts import FilingSubmitViewSet, RollCallIssueViewSet
from api.actions.tasks import TaskActionViewSet


def register(router) -> None:
    router.register("actions/tasks", TaskActionViewSet, basename="action-task")
    router.register("actions/roll-calls", RollCallIssueViewSet, basename="action-rollcall")
    router.register("actions/filings", FilingSubmitViewSet, basename="action-filing")
    router.register("actions/classes", ClassAttendanceViewSet, basename="action-class")
    router.register("actions/hour-imports", HourImportViewSet, basename="action-hourimport")
    router.register("actions/notifications", NotificationAckViewSet, basename="action-notification")
