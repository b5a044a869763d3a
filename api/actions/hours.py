"""Importing online-platform hours through the API, as at /hours/import/: upload → a
preview with each row's error (nothing credited) → commit, all rows or none. The same
form checks the upload (`ledger.forms.HourImportForm`: its size before a byte is read)
and the same services read, check and commit it (`ledger.services`)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from api.actions.base import Conflict, InputSerializer, error_responses, service_errors
from api.parsers import MultiPartParser
from api.schema import DescribedIdSchema
from core.http import positive_int
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.forms import HourImportForm
from org import policy as org_policy


class HourUploadSerializer(InputSerializer):
    file = serializers.FileField(
        help_text="在线学习平台导出的 .xlsx 或 .csv"
        "（列：身份证号码, 姓名, 学习日期, 学时, 课程, 平台）"
    )


class HourImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="文件中的行号")
    id_number = serializers.CharField(help_text="身份证号码（已遮蔽）")
    name = serializers.CharField(help_text="姓名")
    date = serializers.DateField(allow_null=True, help_text="学习日期（无法识别时为空）")
    hours = serializers.CharField(help_text="学时（照文件所写）")
    course = serializers.CharField(help_text="课程")
    platform = serializers.CharField(help_text="学习平台")
    errors = serializers.CharField(help_text="此行的错误（空表示无误）")


class HourImportPreviewSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="导入编号")
    file_name = serializers.CharField(help_text="上传的文件名")
    committed_at = serializers.DateTimeField(allow_null=True, help_text="提交时间（未提交为空）")
    rows = serializers.IntegerField(help_text="数据行数")
    errors = serializers.IntegerField(help_text="有错误的行数")
    page = serializers.IntegerField(help_text="本页页码")
    pages = serializers.IntegerField(help_text="总页数")
    lines = HourImportRowSerializer(many=True, help_text="本页各行，有错误的在前")


class HourImportCommittedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="导入编号")
    committed_at = serializers.DateTimeField(help_text="提交时间")
    created = serializers.IntegerField(help_text="记入学时台账的行数")


def preview(hour_import, *, page=1, errors_only=False) -> dict:
    counts = ledger_selectors.hour_import_counts(hour_import)
    per_page = ledger_selectors.PREVIEW_PAGE_SIZE
    pages = max(1, -(-(counts["errors"] if errors_only else counts["rows"]) // per_page))
    number = min(page, pages)
    rows = ledger_selectors.hour_import_rows(hour_import, errors_only=errors_only)
    return {
        "id": hour_import.pk,
        "file_name": hour_import.file_name,
        "committed_at": hour_import.committed_at,
        "rows": counts["rows"],
        "errors": counts["errors"],
        "page": number,
        "pages": pages,
        "lines": rows[(number - 1) * per_page : number * per_page],
    }


def _own_import(user, pk):
    hour_import = ledger_selectors.hour_import_of(user, positive_int(pk))
    if hour_import is None:
        raise exceptions.NotFound()
    return hour_import


class HourImportViewSet(viewsets.GenericViewSet):
    serializer_class = HourUploadSerializer
    lookup_value_regex = r"\d+"
    schema = DescribedIdSchema()
    id_description = "导入编号（本人上传的一次导入）"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["学时与达标"],
        summary="上传学时文件（预览）",
        description="调训专员上传在线学习平台的学时导出文件：逐行检查（身份证号不在管辖范围、"
        "日期、学时、重复行、已导入、单日超过 24 学时……），返回预览与每行错误，尚不记入台账。"
        "文件无法读取或超出限制时答 400，不保存任何内容。",
        request={"multipart/form-data": HourUploadSerializer},
        responses={201: HourImportPreviewSerializer, **error_responses(400, 403, 409)},
    )
    def create(self, request):
        if not org_policy.is_dispatcher(request.user):
            raise exceptions.PermissionDenied(_("Only a dispatcher may import hours."))
        upload = request.FILES.get("file")
        form = HourImportForm(data={}, files={"file": upload} if upload else {})
        if not form.is_valid():
            raise exceptions.ValidationError(form.errors)
        upload = form.cleaned_data["file"]
        with service_errors(fields=("file",)):
            try:
                hour_import = ledger_services.hours_import_preview(
                    actor=request.user, upload=upload, name=upload.name
                )
            except ValidationError as exc:
                raise exceptions.ValidationError({"file": list(exc.messages)}) from exc
        return Response(
            HourImportPreviewSerializer(preview(hour_import)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        tags=["学时与达标"],
        summary="学时导入预览",
        description="本人上传的一次导入：行数、错误行数，以及一页（100 行）各行，有错误的在前。",
        parameters=[
            OpenApiParameter("page", OpenApiTypes.INT, description="页码"),
            OpenApiParameter("errors_only", OpenApiTypes.BOOL, description="只列有错误的行"),
        ],
        responses={200: HourImportPreviewSerializer, **error_responses(404)},
    )
    def retrieve(self, request, pk=None):
        hour_import = _own_import(request.user, pk)
        page = positive_int(request.query_params.get("page")) or 1
        errors_only = request.query_params.get("errors_only") in ("1", "true", "True")
        return Response(
            HourImportPreviewSerializer(
                preview(hour_import, page=page, errors_only=errors_only)
            ).data
        )

    @extend_schema(
        tags=["学时与达标"],
        summary="提交学时导入",
        description="把预览无误的导入整体记入学时台账（全部或全不）。仍有错误行答 400；"
        "已提交过的答 409。",
        request=None,
        responses={200: HourImportCommittedSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        hour_import = _own_import(request.user, pk)
        if hour_import.committed_at:
            raise Conflict(_("This import has already been committed."))
        with service_errors():
            created = ledger_services.hours_import_commit(
                actor=request.user, hour_import=hour_import
            )
        hour_import.refresh_from_db()
        return Response(
            HourImportCommittedSerializer(
                {
                    "id": hour_import.pk,
                    "committed_at": hour_import.committed_at,
                    "created": len(created),
                }
            ).data
        )
