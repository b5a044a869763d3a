"""A lock held by someone else is not a server error: the one place that says so. And a
search string is bounded before any view (the admin's included) reads it."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.http import SEARCH_MAX_LENGTH, search_text
from core.locking import LOCK_BUSY_MESSAGE, is_lock_error


class BoundedSearchMiddleware:
    """`?q=` longer than any search needs is cut to `SEARCH_MAX_LENGTH` before a view
    sees it: the project's lists bound it themselves (`core.http.search_text`), but the
    admin's change lists repeat the raw string in every filter link (a 200,000-character
    `q` made a 300 MB page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET.get("q")
        if query is not None and len(query) > SEARCH_MAX_LENGTH:
            bounded = request.GET.copy()
            bounded["q"] = search_text(query)
            bounded._mutable = False
            request.GET = bounded
            request.META["QUERY_STRING"] = bounded.urlencode()
        return self.get_response(request)


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
