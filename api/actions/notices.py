"""签收 of one of the caller's own notifications, as the inbox's button does
(`notifications.services.acknowledge`): for an admission notice it also completes the
dispatch's acknowledgement task (`dispatch.receivers.on_notice_acknowledged`)."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.actions.base import error_responses, service_errors
from api.actions.steps import NoInputSerializer
from api.schema import DescribedIdSchema
from core.http import positive_int
from notifications import selectors, services
from notifications.models import Notification


class AcknowledgedSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="消息编号")
    acknowledged_at = serializers.DateTimeField(help_text="签收时间")


class NotificationAckViewSet(viewsets.GenericViewSet):
    serializer_class = AcknowledgedSerializer
    lookup_value_regex = r"\d+"
    schema = DescribedIdSchema()
    id_description = "消息编号（本人收到的消息）"

    @extend_schema(
        tags=["公文与消息"],
        summary="签收消息",
        description="本人收到的需签收的消息（如入学通知）：记录签收时间与 IP；入学通知的签收同时"
        "办结该调训的签收任务；班次变更消息的签收，为其所列未开通账号干部尚待签收的新通知一并代为签收。"
        "他人的消息答 404；无需签收的答 400；再次签收不改变首次记录。",
        request=None,
        responses={200: AcknowledgedSerializer, **error_responses(400, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        try:
            notification = selectors.own_notification(request.user, positive_int(pk))
        except Notification.DoesNotExist:
            raise exceptions.NotFound() from None
        NoInputSerializer(data=request.data).is_valid(raise_exception=True)
        with service_errors():
            notification = services.acknowledge(
                user=request.user, notification=notification, ip=request.META.get("REMOTE_ADDR")
            )
        return Response(AcknowledgedSerializer(notification).data)
