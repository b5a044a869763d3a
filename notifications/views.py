"""Inbox pages: only ever the logged-in user's own notifications (anyone else's → 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import acknowledgement, selectors, services
from notifications.forms import InboxFilterForm, PreferencesForm
from notifications.models import ContactProfile, Notification
from notifications.outbox import content_disposition, document_file_names

PAGE_SIZE = 25


def _own(request, pk) -> Notification:
    try:
        return selectors.own_notification(request.user, pk)
    except Notification.DoesNotExist:
        raise Http404 from None


def _back(request, default):
    """Back to `next` when it is a path of this site; else to `default` (a URL name). A
    bare word is no path: `redirect` would take it for a URL name (and fail)."""
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect(default)


def _with_ack_refusals(notifications: list[Notification]) -> list[Notification]:
    """Each notification with `ack_refusal`: why its 签收 is no longer asked (its subject
    closed another way), or "" — the pages then say so instead of offering 签收."""
    refused = acknowledgement.refusals(notifications)
    for notification in notifications:
        notification.ack_refusal = refused.get(notification.pk, "")
    return notifications


@login_required
def inbox(request):
    form = InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.inbox_for(
        request.user, unread_only=filters.get("unread", False), event=filters.get("event") or None
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_ack_refusals(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/inbox.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "unread_total": selectors.unread_count(request.user),
        },
    )


@login_required
def detail(request, pk):
    notification = _own(request, pk)
    if notification.read_at is None:
        services.mark_read(user=request.user, notification=notification)
    _with_ack_refusals([notification])
    return render(
        request,
        "notifications/detail.html",
        {"notification": notification, "enclosures": selectors.enclosures(notification)},
    )


@login_required
def document(request, pk, document_pk=None):
    """The PDF attached to one of the user's own notifications: its document, or one of
    its enclosures (`document_pk`)."""
    notification = _own(request, pk)
    if document_pk is None:
        doc = notification.document
    else:
        doc = next((d for d in selectors.enclosures(notification) if d.pk == document_pk), None)
    if doc is None:
        raise Http404
    response = FileResponse(
        default_storage.open(doc.file.name, "rb"), content_type="application/pdf"
    )
    # A plain ASCII filename= beside filename*=, as the e-mail's attachment has it.
    response["Content-Disposition"] = content_disposition("inline", *document_file_names(doc))
    return response


@login_required
@require_POST
def mark_read(request, pk):
    services.mark_read(user=request.user, notification=_own(request, pk))
    return _back(request, "notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return _back(request, "notifications:inbox")


@login_required
@require_POST
def acknowledge(request, pk):
    notification = _own(request, pk)
    try:
        services.acknowledge(
            user=request.user, notification=notification, ip=request.META.get("REMOTE_ADDR")
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Receipt acknowledged."))
    return _back(request, "notifications:inbox")


@login_required
def preferences(request):
    profile = ContactProfile.objects.filter(user=request.user).first() or ContactProfile(
        user=request.user
    )
    form = PreferencesForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.update_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
