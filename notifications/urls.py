from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("count/", views.bell_count, name="count"),
    path("settings/", views.preference_edit, name="settings"),
    path("read/", views.read_all, name="read_all"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.read, name="read"),
]
