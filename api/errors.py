"""The API's errors: JSON in the site's language, never a model's name, never Django's
HTML page.

* An object not found (`get_object_or_404`, an id out of reach) answers DRF's plain
  "未找到。": Django's message would name the model ("No Cadre matches the given query.")
  and, for an object out of the caller's reach, tell more than "not there".
* A body of JSON `null` gets a message saying what to send (DRF's "No data provided" is
  not translated).
* A path under /api/v1/ that matches no endpoint answers JSON 404 (`not_found`, the last
  route of api/urls.py) instead of the site's HTML page.
"""

from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

NO_DATA = "No data provided"


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict):
        for key, value in response.data.items():
            if isinstance(value, list) and value == [NO_DATA]:
                response.data[key] = [_("No data provided: send a JSON object.")]
    return response


def not_found(request, *args, **kwargs):
    """A path under the API's prefix that names no endpoint."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
