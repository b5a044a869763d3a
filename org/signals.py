"""Signals org sends for the apps above it, which org may not import."""

import django.dispatch

# Cadres registered, or changed in what other apps keep copies of (name, category):
# sent with cadre_ids and using, in the transaction of the change
# (`org.services.cadre_save`, the cadre import). `ledger.standings` follows.
cadres_changed = django.dispatch.Signal()
