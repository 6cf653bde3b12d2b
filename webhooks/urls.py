from django.urls import path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("new/", views.subscription_edit, name="create"),
    path("<int:pk>/", views.subscription_edit, name="edit"),
    path("<int:pk>/delete/", views.subscription_delete, name="delete"),
    path("<int:pk>/deliveries/", views.delivery_log, name="deliveries"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="retry"),
]
