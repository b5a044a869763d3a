"""Texts built outside a page (notification subjects, document lines) in the site's
language, whatever language the calling request or worker has active."""

import functools

from django.conf import settings
from django.utils import translation


def in_site_language(func):
    """Build a text in the site's language (as `notifications` renders its templates),
    whatever language the calling request or worker has active: subjects built here are
    stored in the notification's context and shown as they were written."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper
