from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("contact-info-kinds/", views.contact_info_kinds, name="contact_info_kinds"),
    path("fill-by-inn/", views.fill_by_inn, name="fill_by_inn"),
]
