"""The API's errors: JSON in the site's language, never a model's name, never Django's
HTML page.

* An object not found (`get_object_or_404`, an id out of reach) answers DRF's plain
  "未找到。": Django's message would name the model ("No Cadre matches the given query.")
  and, for an object out of the caller's reach, tell more than "not there".
* A body of JSON `null` gets a message saying what to send (DRF's "No data provided" is
  not translated).
* A request past Django's bounds — a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a form of
  more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields (a long list form-encoded: send it as
  JSON), more than DATA_UPLOAD_MAX_NUMBER_FILES files — is a JSON 400 naming the bound,
  not the site's HTML 400.
* A path under /api/v1/ that matches no endpoint answers JSON 404 (`not_found`, the last
  route of api/urls.py) instead of the site's HTML page, whatever its method: it is
  exempt from the CSRF check, which would otherwise answer a write with the HTML 403.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NO_DATA = "No data provided"


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        exc = exceptions.ParseError(too_much(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        for key, value in response.data.items():
            if isinstance(value, list) and value == [NO_DATA]:
                response.data[key] = [_("No data provided: send a JSON object.")]
    return response


def too_much(exc) -> str:
    """What a request past one of Django's bounds exceeds, and what to do instead."""
    if isinstance(exc, RequestDataTooBig):
        size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return _("The request body is larger than the API accepts (%(limit)s MB).") % {
            "limit": f"{size:g}"
        }
    if isinstance(exc, TooManyFieldsSent):
        return _(
            "The form sends more than %(limit)s fields: send a long list as JSON "
            "(Content-Type: application/json)."
        ) % {"limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}
    return _("The request sends more than %(limit)s files.") % {
        "limit": settings.DATA_UPLOAD_MAX_NUMBER_FILES
    }


@csrf_exempt
def not_found(request, *args, **kwargs):
    """A path under the API's prefix that names no endpoint (it reads nothing, writes
    nothing: no CSRF check to pass)."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
