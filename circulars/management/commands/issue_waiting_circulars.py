"""The scheduled pass of `issue_circulars` (Celery beat's `circulars.issue_waiting`, or
cron every minute): the approved circulars that have waited for their document at least
`XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES` since the approval or the last failed attempt —
the rendering lost when a server stopped, or one that failed — are issued; a fresher one
is left to the task its approval queued."""

from django.conf import settings

from circulars.management.commands import issue_circulars


class Command(issue_circulars.Command):
    help = (
        "Issue the approved circulars still without their document "
        "XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES after the approval or the last failed attempt."
    )

    def handle(self, *args, **options):
        if options["older_than"] is None:
            options["older_than"] = settings.XUNDIAO_CIRCULAR_ISSUE_AFTER_MINUTES
        super().handle(*args, **options)
