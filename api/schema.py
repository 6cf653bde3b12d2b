"""What drf-spectacular cannot guess: the bearer token's security scheme, and the parameters the
API shares (`?fields=`, `If-Match`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "API-ключ со страницы «API-ключи»"}


FIELDS = OpenApiParameter(
    "fields",
    OpenApiTypes.STR,
    description="Only these fields of each row, comma-separated (e.g. `id,name,inn`).",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    description="The version the change starts from (the row's `version`): changes made since "
    "are merged by field; a field both changed is refused with 412.",
)
