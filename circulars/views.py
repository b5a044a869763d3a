"""The circular's pages outside its flow: its figures as a spreadsheet once it is issued
(the process page links it; the task pages download them while it is drafted)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from circulars import exports as circular_exports
from circulars.flows import CircularFlow
from circulars.models import CircularStatus
from core import exports


@login_required
@require_GET
def figures(request, pk):
    """The issued circular's figures (`?format=xlsx` or csv) as its PDF prints them, to
    whoever may open its process page (the flow's own reach); an unissued or out-of-reach
    circular is not found."""
    circular = get_object_or_404(
        CircularFlow.instance.visible_artifacts(request.user).filter(status=CircularStatus.ISSUED),
        pk=pk,
    )
    csv = exports.requested_format(request) == "csv"
    writer = exports.csv_response if csv else exports.xlsx_response
    return writer(
        circular_exports.figure_rows(circular),
        circular_exports.FIGURES,
        circular.title or str(circular),
        fallback=f"circular-{circular.pk}",
    )
