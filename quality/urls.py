from django.urls import path

from quality import views

app_name = "quality"

urlpatterns = [
    path("contact-info/", views.contact_info_wizard, name="contact_info_wizard"),
    path("properties/", views.properties_wizard, name="properties_wizard"),
    path("runs/<uuid:pk>/", views.run_detail, name="run_detail"),
    path("runs/<uuid:pk>/step/<int:step>/", views.run_step, name="run_step"),
    path("runs/<uuid:pk>/tick/", views.run_tick, name="run_tick"),
]
