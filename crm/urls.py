from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from crm import saved_view_views, views

# The admin's login goes through the same limiter as ours (crm.login_limits) and says so.
admin.site.login_form = views.RateLimitedAdminAuthenticationForm

urlpatterns = [
    path("", include("reports.home.urls")),  # `home`: the role's home page
    path("login/", views.RateLimitedLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("clients/", include("clients.urls")),
    path("tasks/", include("tasks.urls")),
    path("sales/", include("sales.urls")),
    path("funnel/", include("funnel.urls")),
    path("lead/", include("funnel.public_urls")),  # «Форма для сайта»: public, no login
    path("quality/", include("quality.urls")),
    path("service/", views.service_index, name="service"),
    path("service/webhooks/", include("webhooks.urls")),
    path("runs/<str:label>/<str:pk>/retry/", views.run_retry, name="run_retry"),
    path("saved-views/", saved_view_views.saved_view_create, name="saved_view_create"),
    path("saved-views/<int:pk>/", saved_view_views.saved_view_update, name="saved_view_update"),
    path("saved-views/<int:pk>/rename/", saved_view_views.saved_view_rename, name="saved_view_rename"),
    path("saved-views/<int:pk>/delete/", saved_view_views.saved_view_delete, name="saved_view_delete"),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("api.urls")),
    path("admin/", admin.site.urls),
]
# Uploaded files are never served as public media: each is handed out by a view that checks access.
