"""A class's attendance through the API, by the roster pages' own pieces:

* the roster: the registrar records every row at once, all or nothing — each row checked
  by its form (`dispatch.attendance.AttendanceRowForm`: hours credited or hours of leave,
  to one decimal, within the class hours) and recorded by `class_attendance_record`,
  which completes each dispatch's attendance task so every flow moves on as from the page;
* a correction (考勤更正) of one recorded attendance, as its page
  (`dispatch.attendance_correction`) does it: the dispatch found as the page finds it,
  the registrar's permission, `policy.attendance_correction_refusal`, the page's form,
  then `attendance_correct_and_continue` (a makeup it makes owed starts its flow)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from api.actions.base import InputSerializer, error_responses, service_errors
from api.schema import DescribedIdSchema
from core.http import positive_int
from core.validation import REASON_MAX_LENGTH
from dispatch import selectors as dispatch_selectors
from dispatch.attendance import AttendanceRowForm
from dispatch.attendance_correction import AttendanceCorrectionForm, dispatch_to_correct
from dispatch.flows.attendance import attendance_correct_and_continue, class_attendance_record
from dispatch.models import AttendanceResult, DispatchStatus, MakeupStatus
from dispatch.policy import attendance_correction_refusal, attendance_refusal
from org import selectors as org_selectors

MAX_ROWS = 1000


class HoursFields(InputSerializer):
    """The hours of a roster row and of a correction, checked by the pages' own forms
    (one decimal, within the class hours)."""

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


class RosterRowSerializer(HoursFields):
    # Keyed by the dispatch like every other row error.
    dispatch = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="调训编号")
    result = serializers.ChoiceField(
        choices=AttendanceResult.choices,
        help_text="present 出勤（班次结业后方可登记）/ absent 缺训 / withdrawn 退学",
    )


class RosterSerializer(InputSerializer):
    rows = RosterRowSerializer(many=True, max_length=MAX_ROWS, help_text="每名学员一行")


class RosterRecordedSerializer(serializers.Serializer):
    recorded = serializers.ListField(child=serializers.IntegerField(), help_text="已登记的调训编号")


class CorrectionSerializer(HoursFields):
    # Read again by the correction page's form, which gives the page's messages.
    result = serializers.ChoiceField(
        choices=AttendanceResult.choices,
        help_text="present 出勤（班次结业后方可更正为出勤）/ absent 缺训 / withdrawn 退学",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, help_text="更正理由（必填）"
    )


class MakeupBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="补训编号")
    status = serializers.ChoiceField(choices=MakeupStatus.choices, help_text="补训状态")
    due_date = serializers.DateField(help_text="补训期限")


class CorrectedSerializer(serializers.Serializer):
    dispatch = serializers.IntegerField(source="dispatch.pk", help_text="调训编号")
    status = serializers.ChoiceField(
        source="dispatch.status", choices=DispatchStatus.choices, help_text="更正后的调训状态"
    )
    hours_credited = serializers.DecimalField(
        source="dispatch.hours_credited",
        max_digits=6,
        decimal_places=1,
        allow_null=True,
        help_text="计入学时（缺训、退学为空）",
    )
    leave_hours = serializers.DecimalField(
        source="dispatch.leave_hours", max_digits=6, decimal_places=1, help_text="请假学时"
    )
    before = serializers.CharField(help_text="更正前登记的考勤（文字）")
    after = serializers.CharField(help_text="更正后的考勤（文字）")
    makeup_owed = MakeupBriefSerializer(
        allow_null=True, help_text="更正后须补训的（新欠或重新欠缺的）补训，否则为空"
    )
    makeup_cancelled = MakeupBriefSerializer(
        allow_null=True, help_text="更正为出勤而取消的补训，否则为空"
    )


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

    @extend_schema(
        tags=["点名调训与调训"],
        summary="更正一名学员的考勤",
        description="培训机构教务更正已登记的考勤（出勤、缺训或退学），须写明理由；"
        "自班次结业起若干天内（XUNDIAO_ATTENDANCE_CORRECTION_DAYS，默认 30 天）可更正。"
        "学时、补训与通报标记随之调整，单位联络员和学员收到通知。补训调训的考勤不能更正，"
        "补训已安排的不能更正为出勤：答 400 并说明原因。与考勤更正页面相同。",
        parameters=[
            OpenApiParameter(
                "dispatch_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="该班次的调训编号（考勤已登记）",
                pattern=r"^\d+$",
            )
        ],
        request=CorrectionSerializer,
        responses={200: CorrectedSerializer, **error_responses(400, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"attendance/(?P<dispatch_id>\d+)/correct",
        url_name="correct-attendance",
    )
    def correct_attendance(self, request, pk=None, dispatch_id=None):
        class_pk, dispatch_pk = positive_int(pk), positive_int(dispatch_id)
        if class_pk is None or dispatch_pk is None:
            raise exceptions.NotFound()
        with service_errors():
            dispatch = dispatch_to_correct(request.user, class_pk, dispatch_pk)
        if not org_selectors.has_unit_permission(
            request.user, "record_attendance", dispatch.training_class.institution.unit
        ):
            raise exceptions.PermissionDenied(
                _("Only the institution's registrar records attendance.")
            )
        serializer = CorrectionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if refusal := attendance_correction_refusal(dispatch):
            raise exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [refusal]})
        data = serializer.validated_data
        form = AttendanceCorrectionForm(
            {name: "" if data.get(name) is None else data[name] for name in CORRECTION_FIELDS},
            dispatch=dispatch,
        )
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        with service_errors(fields=CORRECTION_FIELDS):
            done = attendance_correct_and_continue(
                actor=request.user,
                dispatch=dispatch,
                result=form.cleaned_data["result"],
                leave_hours=form.cleaned_data["leave"],
                reason=form.cleaned_data["reason"],
            )
        return Response(CorrectedSerializer(done).data)


CORRECTION_FIELDS = ("result", "hours", "leave_hours", "reason")


def _form_errors(form) -> dict:
    """A page form's errors as the API's: its fields by name, the rest non_field_errors."""
    return {
        api_settings.NON_FIELD_ERRORS_KEY if name == "__all__" else name: list(messages)
        for name, messages in form.errors.items()
    }


def _row_errors(exc: ValidationError) -> dict:
    """class_attendance_record's errors keyed by dispatch id → rows.{id}."""
    if hasattr(exc, "error_dict"):
        return {"rows": exc.message_dict}
    return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}
