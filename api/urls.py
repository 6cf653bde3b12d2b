"""The API's addresses: the resources under /api/v1/ (a router: list, row, actions), the schema and
its two documentation pages, which all answer to a token or a session; «API-ключи», an ordinary page.

A later resource is one more view module under api/views/ and one more line here, as the
accounting exchange's PUT by external id and its batch (api/views/exchange.py)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api.views import clients, docs, exchange, funnel, sales, tasks, tokens

app_name = "api"

router = SimpleRouter(use_regex_path=False)
router.register("clients", clients.ClientViewSet, basename="client")
router.register("extra-fields", clients.ExtraFieldViewSet, basename="extra-field")
router.register("contracts", sales.ContractViewSet, basename="contract")
router.register("invoices", sales.InvoiceViewSet, basename="invoice")
router.register("payments", sales.PaymentViewSet, basename="payment")
router.register("deals", funnel.DealViewSet, basename="deal")
router.register("tasks", tasks.TaskViewSet, basename="task")

# Django REST Framework's views are exempt from the login redirect (LoginRequiredMiddleware): they
# authenticate by themselves (a token, or a session) and answer 401 in JSON.
urlpatterns = [
    path("v1/exchange/batch/", exchange.BatchView.as_view(), name="exchange_batch"),
    path("v1/exchange/<str:kind>/<str:source>/<str:external_id>/", exchange.DocumentView.as_view(), name="exchange"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", docs.RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("keys/", tokens.token_list, name="tokens"),
    path("keys/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
]
