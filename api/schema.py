"""How the OpenAPI schema describes our authentication; imported by ApiConfig.ready()."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'A personal token from "My account › API tokens", sent as "Token <secret>".',
        }


class StaffAwareSessionScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


ERROR_SCHEMA = {
    "type": "object",
    "description": "The one error body of the API (docs/api.md): a message in the caller's language, and details.",
    "properties": {
        "message": {"type": "string"},
        "extra": {
            "type": "object",
            "additionalProperties": True,
            "description": 'Field errors sit under "fields", as {field: [messages]}.',
        },
    },
    "required": ["message", "extra"],
}
ERROR_DESCRIPTIONS = {
    "400": "The data sent is not valid (a filter value, the body).",
    "401": "Missing, unknown, expired or revoked credentials.",
    "403": "Not allowed: your role, or a read-only token used to write.",
    "404": "No such object (or not yours), or a cursor that is not valid.",
    "413": "The JSON body is too large.",
    "415": "The body's media type is not one this operation takes.",
    "429": "Rate limit reached; Retry-After says when to try again.",
}
ERROR_HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    "429": {"Retry-After": {"schema": {"type": "string"}, "description": "Seconds to wait."}},
}


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS: document the errors every operation can answer, with the shared error body.

    Without them the schema promised only the success status, and a client generated from it (or schemathesis)
    meets undocumented 401s, 404s and 429s."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            parameters = operation.get("parameters", [])
            has_body = "requestBody" in operation
            statuses = {"401", "403", "429"}
            if has_body or any(p["in"] == "query" for p in parameters):
                statuses.add("400")
            if any(p["in"] == "path" or p["name"] == "cursor" for p in parameters):
                statuses.add("404")
            if has_body:
                statuses.update({"413", "415"})
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses - responses.keys()):
                responses[status] = {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    **({"headers": ERROR_HEADERS[status]} if status in ERROR_HEADERS else {}),
                }
    return result
