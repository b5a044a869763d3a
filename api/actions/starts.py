"""Actions that start a process, as its start page does (`workflow.runtime.start_process_as`:
the start node's activation, the page's service, `execute()`, one transaction): issuing a
roll call (RollCallFlow) and submitting a filing (报备, FilingFlow). What the caller may
choose — classes, cadres, units — is what the start page offers them."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from api.actions.base import InputSerializer, MomentField, error_responses, service_errors
from dispatch import selectors as dispatch_selectors
from dispatch import services as dispatch_services
from dispatch.flows import FilingFlow, RollCallFlow
from dispatch.models import DispatchStatus, QuotaStatus, RollCallMode
from org import selectors as org_selectors
from org.models import Cadre
from workflow.runtime import processes_of, start_process_as

#: the most ids one request may list (a class has far fewer seats)
MAX_IDS = 1000


#: what a list of ids says of forms: a form (urlencoded or multipart) holds at most
#: DATA_UPLOAD_MAX_NUMBER_FIELDS fields in all, past which it is a 400 (`api.errors`)
LONG_LISTS = (
    f"；表单提交时整个请求至多 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个字段，"
    "名单较长请以 JSON 提交"
    if settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    else ""
)


def id_list(help_text, **kwargs):
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        max_length=MAX_IDS,
        help_text=help_text + LONG_LISTS,
        **kwargs,
    )


def chosen(queryset, ids, outside_message):
    """The objects of `queryset` with these ids, in the order given; a duplicate or an id
    not on offer (outside the caller's reach, or gone) is refused. Those not on offer are
    counted, never named: their names are not the caller's to see."""
    if len(set(ids)) != len(ids):
        raise serializers.ValidationError(_("The same cadre is named twice."))
    found = queryset.in_bulk(ids)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise serializers.ValidationError(outside_message % {"count": len(missing)})
    return [found[pk] for pk in ids]


def one_of(queryset, pk):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise serializers.ValidationError(
            _("Select a valid choice. That choice is not one of the available choices.")
        )
    return obj


# -- roll call ------------------------------------------------------------------------------


class AllocationSerializer(InputSerializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="单位编号")
    seats = serializers.IntegerField(min_value=0, max_value=100000, help_text="名额")


class RollCallIssueSerializer(InputSerializer):
    training_class = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="班次编号（本人管辖范围内主办的班次）"
    )
    mode = serializers.ChoiceField(
        choices=RollCallMode.choices, help_text="named 点名调训 / quota 分配名额"
    )
    response_deadline = MomentField(help_text="回复截止时间（须在开班之前）")
    cadres = id_list("点名调训的干部编号（named 时必填）", required=False, default=list)
    allocations = AllocationSerializer(
        many=True, required=False, default=list, help_text="各单位名额（quota 时必填）"
    )

    def _units(self):
        return org_selectors.units_in_reach(self.context["request"].user, "issue_dispatch")

    def validate_training_class(self, pk):
        user = self.context["request"].user
        classes = dispatch_selectors.class_list(user).filter(organizer__unit__in=self._units())
        return one_of(classes, pk)

    def validate_cadres(self, ids):
        return chosen(
            Cadre.objects.filter(unit__in=self._units()).select_related("unit"),
            ids,
            _(
                "%(count)s of the chosen cadres are outside your jurisdiction or no longer "
                "exist; please choose again."
            ),
        )

    def validate_allocations(self, rows):
        if len(rows) > MAX_IDS:
            raise serializers.ValidationError(_("Too many units."))
        units = self._units().in_bulk([row["unit"] for row in rows])
        result = []
        for row in rows:
            unit = units.get(row["unit"])
            if unit is None:
                raise serializers.ValidationError(
                    _("Unit %(id)s is not in your jurisdiction.") % {"id": row["unit"]}
                )
            result.append((unit, row["seats"]))
        return result


class DispatchBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="调训编号")
    cadre = serializers.IntegerField(source="cadre_id", help_text="干部编号")
    status = serializers.ChoiceField(choices=DispatchStatus.choices, help_text="调训状态")


class AllocationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="名额分配编号")
    unit = serializers.IntegerField(source="unit_id", help_text="单位编号")
    seats = serializers.IntegerField(help_text="名额")
    status = serializers.ChoiceField(choices=QuotaStatus.choices, help_text="名额分配状态")


class RollCallIssuedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="点名调训编号")
    process = serializers.IntegerField(help_text="点名调训流程编号")
    mode = serializers.CharField(help_text="named 点名调训 / quota 分配名额")
    status = serializers.CharField(help_text="点名调训状态")
    dispatches = DispatchBriefSerializer(many=True, help_text="每名干部的调训（named）")
    allocations = AllocationBriefSerializer(many=True, help_text="各单位名额（quota）")


class RollCallIssueViewSet(viewsets.GenericViewSet):
    serializer_class = RollCallIssueSerializer

    @extend_schema(
        tags=["点名调训与调训"],
        summary="发起点名调训",
        description="调训专员为本人管辖范围内主办的班次点名干部（每人一份调训，进入确认流程），"
        "或向单位分配名额（各单位联络员提名）。与发起页面相同的服务与流程；"
        "干部与其他班次时间冲突、名额不足、截止时间不当等答 400 并说明原因。",
        request=RollCallIssueSerializer,
        responses={201: RollCallIssuedSerializer, **error_responses(400, 403, 409)},
    )
    def create(self, request):
        if not RollCallFlow.start.can_execute(request.user):
            raise PermissionDenied(_("Only a dispatcher may issue a roll call."))
        serializer = RollCallIssueSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        named = data["mode"] == RollCallMode.NAMED
        with service_errors(
            fields=("training_class", "mode", "response_deadline", "cadres", "allocations")
        ):
            roll_call = start_process_as(
                RollCallFlow.start,
                request.user,
                lambda: dispatch_services.roll_call_issue(
                    actor=request.user,
                    training_class=data["training_class"],
                    mode=data["mode"],
                    response_deadline=data["response_deadline"],
                    cadres=data["cadres"] if named else (),
                    allocations=() if named else data["allocations"],
                ),
            )
        answer = {
            "id": roll_call.pk,
            "process": processes_of(roll_call, RollCallFlow).values_list("pk", flat=True).first(),
            "mode": roll_call.mode,
            "status": roll_call.status,
            "dispatches": roll_call.dispatches.order_by("pk"),
            "allocations": roll_call.allocations.order_by("pk"),
        }
        return Response(RollCallIssuedSerializer(answer).data, status=status.HTTP_201_CREATED)


# -- filing ---------------------------------------------------------------------------------


class FilingSubmitSerializer(InputSerializer):
    unit = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="办班单位编号（本人为其联络员）"
    )
    title = serializers.CharField(max_length=128, help_text="培训名称")
    organizer_name = serializers.CharField(max_length=128, help_text="主办单位")
    start_date = serializers.DateField(help_text="开始日期")
    end_date = serializers.DateField(help_text="结束日期")
    hours = serializers.DecimalField(max_digits=6, decimal_places=1, help_text="学时")
    systematic = serializers.BooleanField(
        required=False,
        default=False,
        help_text="系统培训：党校、行政学院、干部学院的主体班次或专题班次（接受后计入领导班子成员"
        "和优秀年轻干部的系统培训）",
    )
    participants = id_list("参训干部编号（本单位及下级单位）")

    def _units(self):
        return org_selectors.units_in_reach(self.context["request"].user, "act_as_liaison")

    def validate_unit(self, pk):
        return one_of(self._units(), pk)

    def validate_participants(self, ids):
        return chosen(
            Cadre.objects.filter(unit__in=self._units()).select_related("unit"),
            ids,
            _(
                "%(count)s of the chosen cadres are outside your jurisdiction or no longer "
                "exist; please choose again."
            ),
        )


class FilingSubmittedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="报备编号")
    process = serializers.IntegerField(help_text="报备流程编号")
    status = serializers.CharField(help_text="报备状态")


class FilingSubmitViewSet(viewsets.GenericViewSet):
    serializer_class = FilingSubmitSerializer

    @extend_schema(
        tags=["报备与补训"],
        summary="提交报备",
        description="单位联络员报备本单位自行举办的培训，交组织部门审核（接受后计入集中培训学时）。"
        "与报备页面相同的服务与流程。",
        request=FilingSubmitSerializer,
        responses={201: FilingSubmittedSerializer, **error_responses(400, 403, 409)},
    )
    def create(self, request):
        if not FilingFlow.start.can_execute(request.user):
            raise PermissionDenied(_("Only a unit liaison may submit a filing."))
        serializer = FilingSubmitSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors(fields=tuple(FilingSubmitSerializer().fields)):
            filing = start_process_as(
                FilingFlow.start,
                request.user,
                lambda: dispatch_services.filing_submit(actor=request.user, **data),
            )
        answer = {
            "id": filing.pk,
            "process": processes_of(filing, FilingFlow).values_list("pk", flat=True).first(),
            "status": filing.status,
        }
        return Response(FilingSubmittedSerializer(answer).data, status=status.HTTP_201_CREATED)
