from django.urls import path

from tasks import views

app_name = "tasks"

urlpatterns = [
    path("", views.my_tasks, name="my"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/edit/", views.task_edit, name="edit"),
    path("<int:pk>/postpone/", views.task_postpone, name="postpone"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/<str:action>/", views.task_action, name="action"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
