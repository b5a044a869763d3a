"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render

from notifications import reach as notifications_reach
from notifications.outbox import content_disposition, document_file_names


@login_required
def document_list(request):
    documents = notifications_reach.documents_visible_to(request.user).order_by("-issued_at")
    page = Paginator(documents, 50)
    return render(
        request,
        "notifications/document_list.html",
        {"page": page.get_page(request.GET.get("page"))},
    )


@login_required
def document_download(request, pk: int):
    document = notifications_reach.documents_visible_to(request.user).filter(pk=pk).first()
    if document is None:
        raise Http404
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    # A plain ASCII filename= beside filename*=, as the e-mail's attachment has it.
    response["Content-Disposition"] = content_disposition("inline", *document_file_names(document))
    return response
