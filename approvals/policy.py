"""Who approves — the one place that answers it.

A request not to attend (leave, deferral, exemption) climbs two stages:
1. the department head of the cadre's unit (or a deputy they delegated to);
2. the managing organization department; for a dual-managed cadre the managing and the
   co-managing departments decide **in parallel**, and one rejection rejects.

The caller (the dispatch domain) passes the scope objects; this module only decides the
shape of the chain and which permission each authority must hold on its scope.
"""

from dataclasses import dataclass

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from org.roles import HEAD_PERMISSION, ORG_PERMISSION

HEAD_STAGE = 1
ORG_STAGE = 2


@dataclass(frozen=True)
class Authority:
    stage: int
    label: str
    permission: str
    scope: Model


def approval_chain(*, unit: Model, org_departments: list[tuple[str, Model]]) -> list[Authority]:
    """The authorities that must approve a request about a cadre of `unit`.

    `org_departments` holds (name, jurisdiction root) of the managing organization
    department and, for a dual-managed cadre, of the co-managing one.
    """
    if not org_departments:
        raise ValueError("a cadre always has a managing organization department")
    head_label = _("Department head of %(unit)s") % {"unit": unit}
    chain = [Authority(HEAD_STAGE, str(head_label), HEAD_PERMISSION, unit)]
    for name, root in org_departments:
        chain.append(Authority(ORG_STAGE, name, ORG_PERMISSION, root))
    return chain


def approving_departments(cadre) -> list:
    """The organization departments that decide a request about `cadre`: the managing
    one and, for a dual-managed cadre, the co-managing one (in parallel)."""
    departments = [cadre.managing_org_department]
    if cadre.co_managing_org_department_id:
        departments.append(cadre.co_managing_org_department)
    return departments


def chain_for_cadre(cadre, *, unit=None) -> list[Authority]:
    """Who approves a request about `cadre` (leave, deferral, exemption, hour
    recognition): the head of `unit` (the cadre's unit unless the request names the unit
    of a dispatch), then `approving_departments`. Every flow that starts an approval asks
    this."""
    return approval_chain(
        unit=unit or cadre.unit,
        org_departments=[(str(od), od.jurisdiction) for od in approving_departments(cadre)],
    )
