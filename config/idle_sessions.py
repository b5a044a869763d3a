"""Idle sessions (README: Security): a signed-in session ends SESSION_COOKIE_AGE
(XUNDIAO_SESSION_IDLE_HOURS, 8) after its last request, and the visitor lands on the login
page with `next=` back to where they were (the views' own login redirects).

Django pushes a session's end back only when the session is saved, so a session left alone
would end 8 hours after the login however busy its user; SESSION_SAVE_EVERY_REQUEST would
write the session row on every request. This middleware saves it only when its last save
is more than XUNDIAO_SESSION_TOUCH_SECONDS (5 minutes) old: the idle limit is then met to
within those minutes, for at most one UPDATE per session every 5 minutes (the pages' header
already saves the session that often, workflow_ui.nav_for: both share the save)."""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

from core.session_stamp import TOUCHED_KEY, stamp


class IdleSessionMiddleware:
    """Just inside SessionMiddleware: it looks at the session after the view, so a login
    stamps its new session at once and a logout or an expired session is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = request.session
        # No session cookie and nothing read or written: do not load (or create) one.
        if not session.accessed and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return response
        if session.get(SESSION_KEY) is None:
            return response
        now = int(time.time())
        # A session saved anyway (a login, the header's links cached for a few minutes by
        # workflow_ui.nav_for) is stamped for free; otherwise an old stamp makes it modified,
        # and SessionMiddleware saves the row with a new end and renews the cookie.
        if (
            session.modified
            or now - session.get(TOUCHED_KEY, 0) >= settings.XUNDIAO_SESSION_TOUCH_SECONDS
        ):
            stamp(session)
        return response
