"""Signals other apps connect to (notifications imports neither dispatch nor approvals).

`acknowledged`: sent by `services.acknowledge` the first time a recipient acknowledges
(签收) a notification, inside the acknowledging transaction, with
    sender=Notification, notification=<Notification>, user=<the recipient>.
A receiver that raises rolls the acknowledgement back.
"""

from django.dispatch import Signal

acknowledged = Signal()
