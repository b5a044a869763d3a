"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render

from notifications import reach as notifications_reach


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
    response["Content-Disposition"] = (
        f"inline; filename*=UTF-8''{quote(document.document_number)}.pdf"
    )
    return response
