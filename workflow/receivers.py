"""What workflow does when org tells it something changed (`org.signals`)."""

from workflow import claims


def on_permissions_lost(sender, user_ids, permissions, actor, reason, **kwargs):
    """The users' claimed tasks that asked for one of `permissions` and that they may no
    longer do go back to the queue, in the transaction of the change (`workflow.claims`)."""
    for permission in permissions:
        claims.release_lost_claims(
            actor=actor, users=user_ids, permission=permission, reason=reason
        )


def on_delegation_revoked(sender, delegation, actor, **kwargs):
    """The deputy's claimed tasks that asked for the delegated permission and that they
    may no longer do go back to the queue of those who may, in the transaction of the
    revocation (`workflow.claims`)."""
    claims.release_lost_claims(
        actor=actor,
        users=[delegation.delegate_id],
        permission=delegation.permission,
        reason=claims.RELEASE_REVOKED,
        delegation=delegation,
    )
