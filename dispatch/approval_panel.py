"""What a decider sees beside an approval about a cadre (registered with
`approvals.panels` in the app's `ready()`): the cadre's hours against the indicators and
their latest dispatches, with a link to the whole training record — for an approver whose
jurisdiction reaches the cadre. A leave, deferral or exemption request is about one of
those dispatches: that one is what is being decided, not part of the history, and is left
out."""

from django.urls import reverse

#: how many of the cadre's dispatches the panel lists (the record has them all)
LATEST_DISPATCHES = 8


def cadre_panel(approval_request, user) -> dict | None:
    from dispatch.models import Dispatch
    from ledger import compliance
    from org import selectors as org_selectors

    if approval_request.cadre_id is None:
        return None
    cadre = org_selectors.cadre_for_user(user, approval_request.cadre_id)
    if cadre is None:
        return None
    dispatches = Dispatch.objects.filter(cadre=cadre)
    about = _dispatch_decided(approval_request)
    if about is not None:
        # The class being decided is the request's own subject, not the cadre's history.
        dispatches = dispatches.exclude(pk=about)
    dispatches = dispatches.select_related("training_class").order_by(
        "-training_class__start_date", "-pk"
    )[:LATEST_DISPATCHES]
    return {
        "cadre": cadre,
        "compliance": compliance.for_cadre(cadre),
        "dispatches": list(dispatches),
        "about_a_dispatch": about is not None,
        "record_url": reverse("training_record", args=[cadre.pk]),
    }


def _dispatch_decided(approval_request) -> int | None:
    """The id of the dispatch a leave, deferral or exemption request is about (its
    subject); None when the request is about something else."""
    from django.contrib.contenttypes.models import ContentType

    from dispatch.models import Dispatch

    if approval_request.subject_type_id != ContentType.objects.get_for_model(Dispatch).pk:
        return None
    return approval_request.subject_id
