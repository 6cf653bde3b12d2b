from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("client-analysis/", views.client_analysis, name="client_analysis"),
]
