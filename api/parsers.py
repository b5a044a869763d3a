"""Request bodies: JSON whose parse error is told in Chinese (DRF's own message is
English: "JSON parse error - …")."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            detail = str(exc.detail).removeprefix("JSON parse error - ")
            raise ParseError(
                _("The request body is not valid JSON (%(error)s).") % {"error": detail}
            ) from exc
