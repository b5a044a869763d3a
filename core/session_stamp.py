"""The moment a signed-in session was last saved for its idle limit
(`config.idle_sessions.IdleSessionMiddleware`): stamped at the login itself, so the first
request after a login does not write the session row again."""

import time

# Epoch seconds of the session's last save for the idle limit (or of the login).
TOUCHED_KEY = "_xundiao_touched"


def stamp(session) -> None:
    session[TOUCHED_KEY] = int(time.time())


def stamp_at_login(sender, request, user, **kwargs):
    """`user_logged_in` receiver (connected by `core.apps.CoreConfig.ready`)."""
    session = getattr(request, "session", None)
    if session is not None:
        stamp(session)
