"""What approvals does when org tells it something changed (`org.signals`)."""

from approvals import services


def on_delegation_revoked(sender, delegation, actor, **kwargs):
    """The deputy's claimed approval tasks that they may no longer decide go back to the
    queue of those who may, in the transaction of the revocation."""
    services.lost_claims_release(
        actor=actor,
        users=[delegation.delegate_id],
        reason=services.RELEASE_REVOKED,
        delegation=delegation,
    )
