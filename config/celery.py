"""Celery application.

With no CELERY_BROKER_URL (the embedded default) tasks run eagerly in-process, so the
demo and the test suite need no services. Set CELERY_BROKER_URL=redis://... to use a
worker and beat (see the README).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("xundiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
