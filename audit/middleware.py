import re

from audit.context import reset_request_id, set_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Take X-Request-ID from a trusted proxy when it looks sane, else make one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        token = set_request_id(incoming if _SAFE_ID.match(incoming) else None)
        try:
            request.request_id = incoming if _SAFE_ID.match(incoming) else None
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        return response
