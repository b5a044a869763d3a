"""Signals org sends for the apps above it, which org may not import."""

import django.dispatch

# Cadres registered, or changed in what other apps keep copies of (name, category):
# sent with cadre_ids and using, in the transaction of the change
# (`org.services.cadre_save`, the cadre import). `ledger.standings` follows.
cadres_changed = django.dispatch.Signal()

# A delegation was revoked (`org.services.delegation_revoke`): sent with `delegation` and
# `actor`, in the transaction of the revocation, once the reach cache is forgotten (the
# deputy's authority is gone). `workflow` puts back in the queue the tasks the deputy
# claimed and may no longer do (`workflow.claims`).
delegation_revoked = django.dispatch.Signal()
