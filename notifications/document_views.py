"""Pages. Each view loads what it shows through a jurisdiction-filtered selector (so an
outsider gets 404), and writes only through services."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import exports
from core.exports import DATE, NUMBER, Column, choice
from notifications import reach as notifications_reach
from notifications.outbox import content_disposition, document_file_names

#: the documents list downloaded (`?format=xlsx|csv`): its columns, and the document's kind
DOCUMENTS = [
    Column(gettext_lazy("Document number"), lambda d: d.document_number, width=24),
    Column(gettext_lazy("Title"), lambda d: d.title, width=40),
    Column(gettext_lazy("Kind"), choice("kind"), width=12),
    Column(gettext_lazy("Issued at"), lambda d: d.issued_at, DATE, width=17),
    Column(gettext_lazy("Pages"), lambda d: d.pages, NUMBER, width=6),
]


@login_required
def document_list(request):
    documents = notifications_reach.documents_visible_to(request.user).order_by("-issued_at", "-pk")
    if exports.requested_format(request):
        return exports.export_response(request, documents, DOCUMENTS, _("Documents"), "documents")
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
