"""How the schema describes the API's own token and session authentication (loaded in
`ApiConfig.ready`), the `{id}` of every detail path, and the errors every operation
answers with."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "管理员签发的令牌，请求头写作 `Authorization: Token <令牌>`"
            "（也接受 `Bearer <令牌>`）。令牌可由管理员随时吊销。",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    """The site's session (`api.authentication.SessionAuthentication`, DRF's with its
    refusal in Chinese): spectacular knows DRF's class only, not a subclass."""

    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "登录网站后的会话；写操作须在 X-CSRFToken 请求头中"
            "发送 csrftoken Cookie 的值。",
        }


class DescribedIdSchema(AutoSchema):
    """Describes a detail path's `{id}` with the view's `id_description` (Chinese); the
    parameter keeps the type the route gives it (digits, `lookup_value_regex`).

    Set once on a base viewset rather than through `extend_schema(parameters=…)`: that
    would add the path parameter to the list operation too, whose path has no `{id}`."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        description = getattr(self.view, "id_description", "")
        if not description or "{id}" not in self.path:
            return parameters
        pattern = getattr(self.view, "lookup_value_regex", r"[0-9]+")
        described_id = OpenApiParameter(
            "id",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description=description,
            pattern=f"^{pattern}$",
        )
        return [described_id, *parameters]


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "原因（中文）"}},
    "required": ["detail"],
}
# 400: each bad field with its messages ({"page": ["…"]}), or a list of messages.
_FIELD_ERRORS = {
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {}},
    ]
}
ERRORS = {
    "400": ("输入有误：按字段列出原因，什么也没有写入。", _FIELD_ERRORS),
    "401": ("未登录，或令牌无效、已吊销。", _DETAIL),
    "403": ("没有这项权限（如缺少相应角色或管辖范围）。", _DETAIL),
    "404": ("没有这一条，或不在调用者的管辖范围内；页码超出末页也是 404。", _DETAIL),
    "429": ("调用过于频繁，请按 Retry-After 稍后再试。", _DETAIL),
}


def document_errors(result, generator, request, public):
    """Postprocessing hook: every operation documents the API's error answers (DRF's
    {"detail": …} and the 400's field errors), so a client — and schemathesis — can rely
    on them; an operation that documents its own keeps it."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, (description, schema) in ERRORS.items():
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": schema}},
                    },
                )
    return result
