"""A class's attendance roster through the API: the registrar records every row at once,
all or nothing, through the roster page's own pieces — each row checked by its form
(`dispatch.attendance.AttendanceRowForm`: hours credited or hours of leave, to one
decimal, within the class hours) and recorded by `class_attendance_record`, which
completes each dispatch's attendance task so every flow moves on as from the page."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.actions.base import error_responses, service_errors
from api.schema import DescribedIdSchema
from core.http import positive_int
from dispatch import selectors as dispatch_selectors
from dispatch.attendance import AttendanceRowForm
from dispatch.flows.attendance import class_attendance_record
from dispatch.models import AttendanceResult
from dispatch.policy import attendance_refusal
from org import selectors as org_selectors

MAX_ROWS = 1000


class RosterRowSerializer(serializers.Serializer):
    dispatch = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="调训编号")
    result = serializers.ChoiceField(
        choices=AttendanceResult.choices,
        help_text="present 出勤（班次结业后方可登记）/ absent 缺训 / withdrawn 退学",
    )
    # Checked by the roster's row form (one decimal, within the class hours), keyed by
    # the dispatch like every other row error.
    hours = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        required=False,
        allow_null=True,
        help_text="计入学时（默认为班次学时减请假学时）",
    )
    leave_hours = serializers.DecimalField(
        max_digits=None, decimal_places=None, required=False, allow_null=True, help_text="请假学时"
    )


class RosterSerializer(serializers.Serializer):
    rows = RosterRowSerializer(many=True, max_length=MAX_ROWS, help_text="每名学员一行")


class RosterRecordedSerializer(serializers.Serializer):
    recorded = serializers.ListField(child=serializers.IntegerField(), help_text="已登记的调训编号")


class ClassAttendanceViewSet(viewsets.GenericViewSet):
    serializer_class = RosterSerializer
    lookup_value_regex = r"\d+"
    schema = DescribedIdSchema()
    id_description = "班次编号（调用者管辖范围内的班次）"

    @extend_schema(
        tags=["点名调训与调训"],
        summary="整班登记考勤",
        description="培训机构教务在开班后为班次的学员一次登记考勤：全部成功或全部不登记。"
        "培训期间只登记缺训和退学，出勤及学时待班次结业后登记。"
        "每行错误按调训编号列在 rows 下；他人已认领的考勤任务由其本人登记。",
        request=RosterSerializer,
        responses={200: RosterRecordedSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def attendance(self, request, pk=None):
        training_class = (
            dispatch_selectors.class_list(request.user).filter(pk=positive_int(pk)).first()
        )
        if training_class is None:
            raise exceptions.NotFound()
        if not org_selectors.has_unit_permission(
            request.user, "record_attendance", training_class.institution.unit
        ):
            raise exceptions.PermissionDenied(
                _("Only the institution's registrar records attendance.")
            )
        serializer = RosterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = serializer.validated_data["rows"]
        if not rows:
            raise exceptions.ValidationError(
                {"rows": [_("No cadre on the page is awaiting attendance.")]}
            )
        if closed := attendance_refusal(training_class):
            raise exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [closed]})
        checked, errors = {}, {}
        for row in rows:
            key = str(row["dispatch"])
            if key in checked or key in errors:
                errors[key] = [_("This cadre appears twice.")]
                continue
            form = AttendanceRowForm(
                {
                    "result": row["result"],
                    "hours": "" if row.get("hours") is None else row["hours"],
                    "leave_hours": "" if row.get("leave_hours") is None else row["leave_hours"],
                },
                training_class=training_class,
            )
            if form.is_valid():
                checked[key] = (form.cleaned_data["result"], form.cleaned_data["leave"])
            else:
                errors[key] = form.messages()
        if errors:
            raise exceptions.ValidationError({"rows": errors})
        with service_errors():
            try:
                done = class_attendance_record(
                    actor=request.user,
                    training_class=training_class,
                    rows={int(key): value for key, value in checked.items()},
                )
            except ValidationError as exc:
                raise exceptions.ValidationError(_row_errors(exc)) from exc
        return Response(RosterRecordedSerializer({"recorded": [d.pk for d in done]}).data)


def _row_errors(exc: ValidationError) -> dict:
    """class_attendance_record's errors keyed by dispatch id → rows.{id}."""
    if hasattr(exc, "error_dict"):
        return {"rows": exc.message_dict}
    return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}
