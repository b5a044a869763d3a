"""The WSGI entry point (`gunicorn config.wsgi`).

Once Django is set up, the objects made at start-up — modules, models, URL patterns,
template tags, translations: most of a worker's objects — are moved out of the cyclic
garbage collector's sight (`gc.freeze()`). A page makes tens of thousands of short-lived
objects (model instances, query expressions, template nodes), so the collector runs many
times a request, and each older-generation pass walked the start-up objects again: 1.9 of
a department head's 19 ms home page, measured in-process (docs/performance.md). Frozen
objects are never collected, which start-up objects never are anyway; what a request makes
is collected as before."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

gc.freeze()
