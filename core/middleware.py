"""A lock held by someone else is not a server error: the one place that says so."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.locking import LOCK_BUSY_MESSAGE, is_lock_error


class LockBusyMiddleware:
    """A view that failed only because someone else held a lock (`core.locking`) answers
    "该事项正在由他人办理，请稍后重试": a form sent from one of the site's pages returns to
    that page with the message; any other request gets it with 409 Conflict. The view's
    transaction has already been rolled back, so nothing of the attempt is kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_lock_error(exception):
            return None
        message = str(LOCK_BUSY_MESSAGE)
        back = request.headers.get("referer", "")
        if request.method == "POST" and url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            messages.error(request, message, fail_silently=True)
            return HttpResponseRedirect(back)
        return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")
