import django.dispatch

# Sent once a request is finally decided: kwargs `request` (ApprovalRequest).
decision_made = django.dispatch.Signal()
