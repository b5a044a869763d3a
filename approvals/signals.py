import django.dispatch

# Sent once a request is finally decided: kwargs `request` (ApprovalRequest). A receiver
# whose domain acted on the decision may return a dict: what the requester's decision
# message also says (`approvals.notices.decided`), so that one event is one message — a
# leave approved tells the liaison who asked for it the makeup it owes in the same
# message, not in a second one.
decision_made = django.dispatch.Signal()
