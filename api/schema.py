"""How the schema describes the API's own token authentication (loaded in
`ApiConfig.ready`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
