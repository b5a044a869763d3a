"""What every action endpoint shares: the errors of a service turned into the API's
answers, and completing a Viewflow human task exactly as its own task page would.

* A service's `ValidationError` → 400 with field errors (keys the service names; anything
  else under `non_field_errors`); `PermissionDenied` → 403 with its reason; a lock someone
  else holds (`core.locking`) → 409 "该事项正在由他人办理，请稍后重试"; a task or import
  already handled → 409 with the page's message. Never a 500 for any of them.
* `complete_task` is Viewflow's task page in one request: find the task (404 when it is
  nothing of the caller's, as `workflow.mixins.out_of_reach` says for the pages), claim it
  if it is unclaimed and the caller may (the node's `can_assign`, the same check as the
  claim page), then under the process lock and in one transaction start the activation,
  run the page's service and `execute()` it, so the process moves on as from the page.
  `check_takes` asks the same before an action reads its body, so that who may not take
  the step hears 403, not what their body lacks."""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow.status import STATUS

from core.locking import LOCK_BUSY_MESSAGE, is_lock_error
from workflow.mixins import out_of_reach
from workflow.models import ScopedTask

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


class InputSerializer(serializers.Serializer):
    """An action's body. A field the action does not read is refused (a 400 naming it),
    never ignored: {"confirm": false} sent to 确认 must not confirm, and a misspelt field
    must not pass for an absent one."""

    default_error_messages = {
        "unknown_field": gettext_lazy("This action does not read this field; remove it."),
    }

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields) - {"csrfmiddlewaretoken"})
            if unknown:
                message = self.error_messages["unknown_field"]
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


class MomentField(serializers.DateTimeField):
    """A date and time a caller sends. One Python cannot place in the server's time zone
    (0001-01-01T00:00 without an offset) is a 400 naming the field, not a 500."""

    default_error_messages = {
        "out_of_range": gettext_lazy("This date and time is out of range."),
    }

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("out_of_range")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail=None):
        super().__init__(detail or LOCK_BUSY_MESSAGE)


def field_errors(exc: ValidationError, fields=()) -> dict:
    """A service's ValidationError as DRF field errors: its keys that name a field of the
    request stay; the rest (and a message without a key) go under non_field_errors."""
    result: dict[str, list] = {}
    if hasattr(exc, "error_dict"):
        for key, messages in exc.message_dict.items():
            name = key if key in fields else api_settings.NON_FIELD_ERRORS_KEY
            result.setdefault(name, []).extend(messages)
    else:
        result[api_settings.NON_FIELD_ERRORS_KEY] = list(exc.messages)
    return result


@contextmanager
def service_errors(fields=()):
    """Run a service call; turn what it refuses into the API's answer."""
    try:
        yield
    except ValidationError as exc:
        raise exceptions.ValidationError(field_errors(exc, fields)) from exc
    except PermissionDenied as exc:
        raise exceptions.PermissionDenied(str(exc) or None) from exc
    except Http404 as exc:
        raise exceptions.NotFound() from exc
    except TransitionNotAllowed as exc:
        raise Conflict(_("This item has already been handled by someone else.")) from exc
    except Exception as exc:
        if is_lock_error(exc):
            raise Conflict() from exc
        raise


# -- Viewflow human tasks ------------------------------------------------------------------


def find_task(user, pk: int, nodes) -> ScopedTask:
    """The human task `pk` of one of `nodes` (flow nodes), if it is anything of the
    user's; else 404 — the same answer as the task's page gives an outsider."""
    task = (
        ScopedTask.objects.filter(pk=pk, flow_task_type="HUMAN").select_related("process").first()
    )
    if task is None or task.flow_task not in nodes:
        raise exceptions.NotFound()
    flow = task.flow_task.flow_class.instance
    if out_of_reach(flow, user, task.process_id, task.pk):
        raise exceptions.NotFound()
    return task


def _check_open(task, user):
    if task.status in OPEN:
        return
    if task.status == STATUS.DONE and task.owner_id == user.pk:
        raise Conflict(_("You have already handled this item."))
    raise Conflict(_("This item has already been handled by someone else."))


def _refuse_execution(task, user):
    if task.owner_id and task.owner_id != user.pk:
        owner = task.owner.get_full_name() or task.owner.get_username()
        raise exceptions.PermissionDenied(
            _("%(owner)s has claimed this task; it is theirs to complete, or to release first.")
            % {"owner": owner}
        )
    raise exceptions.PermissionDenied(_("This step is not yours to take."))


def check_takes(task, user, *, claim=None):
    """Before the body is read: 409 when the task is done, 403 when it is not the caller's
    to take — as `complete_task` decides it again, under the process lock."""
    node = task.flow_task
    with service_errors():
        _check_open(task, user)
        if task.status == STATUS.NEW:
            allowed = claim(user, task) if claim else node.can_assign(user, task)
        else:
            allowed = node.can_execute(user, task)
        if not allowed:
            _refuse_execution(task, user)


def complete_task(request, task, perform, *, fields=(), claim=None):
    """Claim (if unclaimed) and complete `task` as the caller, as its page would:
    `perform(activation)` runs the page's service; then the activation executes and the
    flow moves on. One transaction under the process lock; a refusal writes nothing."""
    user = request.user
    node = task.flow_task
    flow_class = node.flow_class
    with service_errors(fields):
        with flow_class.lock(task.process_id), transaction.atomic():
            task.refresh_from_db()
            _check_open(task, user)
            activation = node.activation_class(task)
            if task.status == STATUS.NEW:
                if not (claim(user, task) if claim else node.can_assign(user, task)):
                    _refuse_execution(task, user)
                activation.assign(user)
            if not node.can_execute(user, task):
                _refuse_execution(task, user)
            activation.start(request)
            result = perform(activation)
            activation.execute()
    return result


# -- answers shared by every action, for the schema -----------------------------------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="错误说明（中文）")


class FieldErrorsSerializer(serializers.Serializer):
    non_field_errors = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="与单个字段无关的错误"
    )


def error_responses(*codes):
    """The refusals an action declares: 400 field errors, 403, 404, 409."""
    text = {
        400: ("输入有误：按字段列出错误（中文），不写入任何数据", FieldErrorsSerializer),
        403: ("无此角色或无权办理此步骤", ErrorSerializer),
        404: ("对象不存在或不在您的管辖范围内", ErrorSerializer),
        409: ("该事项已办理，或正在由他人办理，请稍后重试", ErrorSerializer),
    }
    return {code: OpenApiResponse(text[code][1], description=text[code][0]) for code in codes}
