"""Official documents (metadata and the PDF) with the documents page's reach
(`notifications.reach.documents_visible_to`), and the caller's own inbox."""

from urllib.parse import quote

from django.http import FileResponse, Http404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions
from rest_framework.decorators import action

from api.read.base import IdFilter, ReadSerializer, ReadViewSet, TrueFalseFilter
from notifications import reach as notifications_reach
from notifications import selectors as notifications_selectors
from notifications.models import DocumentKind, Event, IssuedDocument, Notification

TAG = "公文与消息"


class DocumentSerializer(ReadSerializer):
    class Meta:
        model = IssuedDocument
        fields = [
            "id",
            "kind",
            "document_number",
            "title",
            "issuer_code",
            "year",
            "number",
            "sha256",
            "size",
            "pages",
            "issued_at",
            "version",
            "supersedes",
        ]
        extra_kwargs = {
            "kind": {"help_text": "公文类别"},
            "document_number": {"help_text": "发文字号，如“X组通〔2026〕3号”"},
            "title": {"help_text": "公文标题"},
            "issuer_code": {"help_text": "发文机关代字"},
            "year": {"help_text": "发文年度"},
            "number": {"help_text": "年度内的发文序号"},
            "sha256": {"help_text": "PDF 文件的 SHA-256，可用来核对下载的文件"},
            "size": {"help_text": "PDF 文件的字节数"},
            "pages": {"help_text": "PDF 页数"},
            "issued_at": {"help_text": "印发时间"},
            "version": {"help_text": "版本号（首版为 1，每次更正加一）"},
            "supersedes": {"help_text": "本件更正的前一版本 id"},
        }


class DocumentFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=DocumentKind.choices, help_text="公文类别")
    year = IdFilter(max_value=9999, help_text="年份")

    class Meta:
        model = IssuedDocument
        fields = ["kind", "year"]


@extend_schema_view(
    list=extend_schema(
        summary="公文列表",
        description="调用者可以打开的公文（调训通知、入学通知、补训通知、通报），"
        "与“公文”页面相同，最新的在前。",
    ),
    retrieve=extend_schema(summary="公文信息", description="无权打开的公文返回 404。"),
)
@extend_schema(tags=[TAG])
class DocumentViewSet(ReadViewSet):
    # Trainees open their own notices: no jurisdiction needed, the reach decides.
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter
    ordering = ("-issued_at", "-pk")

    def selector(self, user):
        return notifications_reach.documents_visible_to(user)

    @extend_schema(
        summary="下载公文 PDF",
        description="公文的 PDF 文件；无权打开的公文返回 404。",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF"),
            404: OpenApiResponse(description="无此公文或无权打开"),
        },
        filters=False,
    )
    @action(detail=True, url_path="pdf", filter_backends=[], pagination_class=None)
    def pdf(self, request, pk=None):
        document = self.get_object()
        try:
            handle = document.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type="application/pdf")
        response["Content-Disposition"] = (
            f"inline; filename*=UTF-8''{quote(document.document_number)}.pdf"
        )
        return response


class NotificationSerializer(ReadSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "event",
            "title",
            "body",
            "url",
            "document",
            "requires_ack",
            "created_at",
            "read_at",
            "acknowledged_at",
        ]
        extra_kwargs = {
            "event": {"help_text": "消息类别"},
            "title": {"help_text": "消息标题"},
            "body": {"help_text": "消息正文"},
            "created_at": {"help_text": "发送时间"},
            "read_at": {"help_text": "阅读时间（未读为空）"},
            "acknowledged_at": {"help_text": "签收时间（未签收为空）"},
            "url": {"help_text": "站内相关页面的路径"},
            "document": {"help_text": "附带的公文 id（可在 /documents/{id}/pdf/ 下载）"},
            "requires_ack": {"help_text": "是否需要签收"},
        }


class NotificationFilter(filters.FilterSet):
    unread = TrueFalseFilter(method="unread_only", help_text="true：只列未读消息")
    event = filters.ChoiceFilter(choices=Event.choices, help_text="消息类别")

    def unread_only(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)

    class Meta:
        model = Notification
        fields = ["event"]


@extend_schema_view(
    list=extend_schema(
        summary="我的消息", description="调用者本人的站内消息，最新的在前；看不到别人的消息。"
    ),
    retrieve=extend_schema(summary="消息详情", description="别人的消息返回 404。"),
)
@extend_schema(tags=[TAG])
class NotificationViewSet(ReadViewSet):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering = ("-created_at", "-pk")

    def selector(self, user):
        return notifications_selectors.inbox_for(user)


def register(router) -> None:
    router.register("documents", DocumentViewSet, basename="document")
    router.register("notifications", NotificationViewSet, basename="notification")
