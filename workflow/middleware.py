"""Visitors who are not signed in are sent to the login page from every /workflow/ page
(Viewflow's own site middleware would answer 403), so a link in an e-mail leads through
the login to the task."""

from django.contrib.auth.views import redirect_to_login


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, callback, callback_args, callback_kwargs):
        match = request.resolver_match
        extra = getattr(match.url_name, "extra", {}) if match else {}
        if extra.get("site") is not None and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return None
