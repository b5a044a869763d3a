"""Who decides a request about a cadre: the unit's head, then the managing department —
and, for a dual-managed cadre, both departments (approvals.policy.chain_for_cadre)."""

from approvals import policy as approval_policy


def test_a_dual_managed_cadres_request_is_decided_by_both_departments(world):
    chain = approval_policy.chain_for_cadre(world.cadre_b)
    assert [(a.stage, a.permission, a.scope) for a in chain] == [
        (approval_policy.HEAD_STAGE, "org.approve_as_head", world.b),
        (approval_policy.ORG_STAGE, "org.approve_as_org_department", world.county),
        (approval_policy.ORG_STAGE, "org.approve_as_org_department", world.root),
    ]


def test_a_cadres_request_is_decided_by_the_head_then_the_managing_department(world):
    chain = approval_policy.chain_for_cadre(world.cadre_a)
    assert [(a.stage, a.scope) for a in chain] == [
        (approval_policy.HEAD_STAGE, world.a),
        (approval_policy.ORG_STAGE, world.root),
    ]
