"""What a dispatch's deadline step is, in words: the subject of a reminder (what to do)
and of an escalation (what is overdue), naming the cadre and the notice to acknowledge by
its name — the trainee's 入学通知, or 补训通知 for a makeup (the roll call's 调训通知 goes to
the units and is never acknowledged). Shared by `dispatch.deadline_notices` (one dispatch)
and `dispatch.grouped_notices` (a roll call's, one message per recipient)."""

from django.utils.translation import gettext as _

from core.i18n import in_site_language


def trainee_acts(dispatch, step: str) -> bool:
    user = dispatch.cadre.user
    return step == "acknowledge" and user is not None and user.is_active


def _is_makeup(dispatch) -> bool:
    from dispatch.models import DispatchKind

    return dispatch.kind == DispatchKind.MAKEUP


@in_site_language
def step_subject(dispatch, step: str) -> str:
    """What a reminder asks for: the unit's liaisons to confirm that the cadre attends; to
    acknowledge the cadre's notice (入学通知, or 补训通知 for a makeup) — the trainee their
    own, or the liaisons on behalf of a cadre without an account, named."""
    names = {"cadre_name": dispatch.cadre.name, "class_name": dispatch.training_class.name}
    if step == "confirm":
        return _("Confirm that %(cadre_name)s attends %(class_name)s") % names
    if trainee_acts(dispatch, step):
        if _is_makeup(dispatch):
            return _("Acknowledge your makeup notice for %(class_name)s") % names
        return _("Acknowledge your admission notice for %(class_name)s") % names
    if _is_makeup(dispatch):
        return (
            _("Acknowledge the makeup notice of %(cadre_name)s for %(class_name)s on their behalf")
            % names
        )
    return (
        _("Acknowledge the admission notice of %(cadre_name)s for %(class_name)s on their behalf")
        % names
    )


@in_site_language
def overdue_step_subject(dispatch, step: str) -> str:
    """What an escalation is about (to the dispatchers): whose confirmation, or whose
    notice's acknowledgement (入学通知, or 补训通知), is overdue."""
    names = {"cadre_name": dispatch.cadre.name}
    if step == "confirm":
        return _("Attendance confirmation for %(cadre_name)s") % names
    if _is_makeup(dispatch):
        return _("Acknowledgement of the makeup notice of %(cadre_name)s") % names
    return _("Acknowledgement of the admission notice of %(cadre_name)s") % names
