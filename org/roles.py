"""The roles of DOMAIN.md. Each role is a Django group (membership, landing page) plus
object permissions that the role grants on the units a person serves; a permission on a
unit reaches every unit below it (see selectors)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("Dispatcher")
    ORG_HEAD = "org_head", _("Organization department head")
    UNIT_LIAISON = "unit_liaison", _("Unit liaison")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    # A deputy head reads the unit; they decide only while the head's delegation runs.
    DEPUTY_HEAD = "deputy_head", _("Deputy department head")
    TRAINEE = "trainee", _("Trainee")
    REGISTRAR = "registrar", _("Institution registrar")
    AUDITOR = "auditor", _("Auditor")


# Permission codenames on Unit held by each role, for the unit it serves and below.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.DISPATCHER: ("read_scope", "issue_dispatch"),
    Role.ORG_HEAD: ("read_scope", "approve_as_org_department"),
    Role.UNIT_LIAISON: ("read_scope", "act_as_liaison"),
    Role.DEPARTMENT_HEAD: ("read_scope", "approve_as_head"),
    Role.DEPUTY_HEAD: ("read_scope",),
    Role.REGISTRAR: ("read_scope", "record_attendance"),
    Role.AUDITOR: ("read_scope",),
    # A trainee reaches only their own cadre record (through Cadre.user), no unit.
    Role.TRAINEE: (),
}


def group_name(role: str) -> str:
    """Groups are named by the role's code so renaming a label never breaks membership."""
    return f"role:{role}"


def group_label(group) -> str:
    """A group as people read it: a role's group by the role's name (单位联络员), with its
    code; any other group by its own name."""
    code = group.name.removeprefix("role:")
    if group.name.startswith("role:") and code in Role.values:
        return f"{Role(code).label}（{group.name}）"
    return group.name


def roles_of(user) -> list[str]:
    if not user.is_authenticated:
        return []
    prefix = "role:"
    names = [g.name for g in user.groups.all() if g.name.startswith(prefix)]
    return [Role(name[len(prefix) :]) for name in names if name[len(prefix) :] in Role.values]


# Permissions that do not flow down the tree: an organization department decides for its
# own jurisdiction only, so the city's approval can never stand in for the county's (and
# dual management really takes two authorities).
NON_INHERITED = frozenset({"approve_as_org_department"})

#: who takes over an overdue task or approval step: this permission on its scope (the
#: dispatchers of the jurisdiction)
ESCALATION_PERMISSION = "org.issue_dispatch"

#: the permissions an approval step asks for (approvals.policy builds the chain from them)
HEAD_PERMISSION = "org.approve_as_head"
ORG_PERMISSION = "org.approve_as_org_department"
