"""The import pages: the kinds a user may import (templates, upload), a batch's preview
with its progress, the commit, and what a committed batch hands out. A batch is its
uploader's (404 for anyone else); the kind's `may_import` is asked on every step (403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.http import page_number
from imports import policy, selectors, services, workbooks
from imports.forms import UploadForm
from imports.kinds import registry
from imports.models import BatchStatus
from imports.progress import get_progress

BATCHES_PER_PAGE = 20
RUNNING = (BatchStatus.UPLOADED, BatchStatus.COMMITTING)


def _batch(request, pk):
    """The batch through the user's scope (404), its kind still theirs to import (403)."""
    batch = selectors.batch_of(request.user, pk)
    if batch is None:
        raise Http404
    kind = registry.get(batch.kind)
    if kind is None:
        raise Http404
    if not kind.may_import(request.user):
        raise PermissionDenied
    return batch, kind


@login_required
@require_GET
def index(request):
    kinds = registry.available_to(request.user)
    if not kinds:
        raise PermissionDenied
    # Only the batches of kinds the user may still import: the others' pages answer 403.
    batches = selectors.batches_of(request.user, kinds=[kind.slug for kind in kinds])
    page = Paginator(batches, BATCHES_PER_PAGE).get_page(page_number(request.GET.get("page")))
    labels = {kind.slug: kind.label for kind in registry.all()}
    for batch in page.object_list:
        batch.kind_label = labels.get(batch.kind, batch.kind)
    context = {"kinds": kinds, "page": page, "form": UploadForm()}
    return render(request, "imports/index.html", context)


@login_required
def upload(request, kind):
    kind = policy.kind_for(request.user, kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.batch_upload(
                actor=request.user, kind=kind, upload=upload, name=upload.name
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("imports:batch", pk=batch.pk)
    return render(request, "imports/upload.html", {"kind": kind, "form": form})


@login_required
@require_GET
def template_xlsx(request, kind):
    kind = policy.kind_for(request.user, kind)
    response = HttpResponse(
        workbooks.template_xlsx(kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{kind.slug}-template.xlsx"'
    return response


@login_required
@require_GET
def template_csv(request, kind):
    kind = policy.kind_for(request.user, kind)
    response = HttpResponse(workbooks.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind.slug}-template.csv"'
    return response


@login_required
@require_GET
def batch(request, pk):
    batch, kind = _batch(request, pk)
    errors_only = request.GET.get("show") == "errors"
    counts = selectors.batch_counts(batch)
    shown = counts["errors"] if errors_only else counts["rows"]
    per_page = selectors.PREVIEW_PAGE_SIZE
    pages = max(1, -(-shown // per_page))
    number = min(page_number(request.GET.get("page")), pages)
    rows = list(
        selectors.batch_rows(batch, errors_only=errors_only)[
            (number - 1) * per_page : number * per_page
        ]
    )
    for row in rows:
        row.cells = selectors.preview_cells(kind, row)
    return render(
        request,
        "imports/batch.html",
        {
            "batch": batch,
            "kind": kind,
            "columns": kind.columns,
            "counts": counts,
            "rows": rows,
            "errors_only": errors_only,
            "number": number,
            "pages": pages,
            "running": batch.status in RUNNING,
            "progress": get_progress(batch.pk) if batch.status in RUNNING else None,
            "may_commit": selectors.may_commit(batch, counts),
            "nothing_to_commit": selectors.nothing_to_commit(batch, counts),
        },
    )


@login_required
@require_POST
def commit(request, pk):
    batch, _kind = _batch(request, pk)
    try:
        services.batch_commit_start(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("imports:batch", pk=batch.pk)


@login_required
@require_GET
def progress(request, pk):
    batch, _kind = _batch(request, pk)
    running = get_progress(batch.pk) if batch.status in RUNNING else {}
    return JsonResponse(
        {
            "status": batch.status,
            "phase": running.get("phase", ""),
            "done": running.get("done", 0),
            "total": running.get("total", 0),
            "counts": selectors.batch_counts(batch),
        }
    )


@login_required
@require_GET
def result(request, pk):
    batch, kind = _batch(request, pk)
    if batch.status != BatchStatus.COMMITTED:
        return redirect("imports:batch", pk=batch.pk)
    rows = kind.result_rows(request.user, batch)
    return render(request, "imports/result.html", {"batch": batch, "kind": kind, "rows": rows})
