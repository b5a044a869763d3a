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

# Users lost permissions: a role taken away on a unit (`org.services.role_revoke`, which
# names the head's deputies too: their delegated authority went with it), an account
# deactivated (the accounts import). Sent with `user_ids`, `permissions` ("org.<codename>"
# each), `actor` and `reason`, in the transaction of the change, once the reach cache is
# forgotten. `workflow` puts back in the queue the tasks they claimed and may no longer do.
permissions_lost = django.dispatch.Signal()
