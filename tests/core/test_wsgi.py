"""The WSGI entry point hides the objects made at start-up from the garbage collector
(`gc.freeze()`, config/wsgi.py): in a fresh interpreter, as a gunicorn worker imports it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc
before = gc.get_freeze_count()
import config.wsgi
print(before, gc.get_freeze_count(), callable(config.wsgi.application))
"""


def test_the_entry_point_freezes_what_start_up_made():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, after, callable_app = done.stdout.split()
    assert int(before) == 0
    assert int(after) > 50_000  # Django, the apps, their models and URL patterns
    assert callable_app == "True"
