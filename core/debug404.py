"""With DEBUG on (the demo), a page that is not found shows the project's own Chinese 404
page — not Django's technical page in English listing every URL pattern. Set
XUNDIAO_TECHNICAL_404=1 to see Django's page while developing."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render


class OwnNotFoundPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "own_not_found_page", False)
            and not request.path.startswith(("/static/", "/media/", "/api/"))
        ):
            return self.page(request)
        return response

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return self.page(request)
        return None

    @staticmethod
    def page(request):
        response = render(request, "404.html", status=404)
        response.own_not_found_page = True
        return response
