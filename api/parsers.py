"""Request bodies: JSON and multipart forms whose parse error is told in Chinese (DRF's
own messages are English: "JSON parse error - …", "Multipart form parse error - …"),
and JSON nested deeper than any endpoint reads (`MAX_DEPTH`) a 400 too: `{"a": {"a": …}}`
thousands deep would otherwise run Python's parser, or whatever walks the body next,
out of stack (a RecursionError, a 500)."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

#: the deepest nesting of objects and arrays a body may have (the API's deepest bodies
#: nest three: a roll call's allocations, a roster's rows — an object, a list, objects)
MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            detail = str(exc.detail).removeprefix("JSON parse error - ")
            raise ParseError(
                _("The request body is not valid JSON (%(error)s).") % {"error": detail}
            ) from exc
        except RecursionError:
            raise _too_deep() from None
        if _deeper_than(data, MAX_DEPTH):
            raise _too_deep()
        return data


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            detail = str(exc.detail).removeprefix("Multipart form parse error - ")
            raise ParseError(
                _("The request body is not a valid multipart form (%(error)s).") % {"error": detail}
            ) from exc


def _too_deep() -> ParseError:
    return ParseError(
        _("The request body nests JSON objects or arrays more than %(limit)d levels deep.")
        % {"limit": MAX_DEPTH}
    )


def _deeper_than(data, limit: int) -> bool:
    """Whether objects and arrays nest in `data` more than `limit` deep (walked without
    recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        if depth > limit:
            return True
        stack.extend((item, depth + 1) for item in value)
    return False
