from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("new/", views.client_create, name="create"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/edit/", views.client_edit, name="edit"),
    path("<int:pk>/completeness/", views.client_completeness, name="completeness"),
    path("contact-info-kinds/", views.contact_info_kinds, name="contact_info_kinds"),
    path("required-fields/", views.required_fields, name="required_fields"),
    path("fill-by-inn/", views.fill_by_inn, name="fill_by_inn"),
    path("bulk-edit/", views.bulk_edit, name="bulk_edit"),
    path("bulk-edit/<int:pk>/", views.bulk_edit_run, name="bulk_edit_run"),
    path("fields/", views.field_settings, name="fields"),
    path("fields/new/", views.field_create, name="field_create"),
    path("fields/<int:pk>/", views.field_edit, name="field_edit"),
    path("fields/<int:pk>/delete/", views.field_delete, name="field_delete"),
    path("fields/<int:pk>/move/", views.field_move, name="field_move"),
    path("fields/groups/new/", views.field_group_create, name="field_group_create"),
    path("fields/groups/<int:pk>/", views.field_group_edit, name="field_group_edit"),
    path("fields/groups/<int:pk>/delete/", views.field_group_delete, name="field_group_delete"),
    path("fields/groups/<int:pk>/move/", views.field_group_move, name="field_group_move"),
    path("fields/<int:pk>/options/new/", views.field_option_add, name="field_option_add"),
    path("fields/options/<int:pk>/", views.field_option_edit, name="field_option_edit"),
    path("fields/options/<int:pk>/move/", views.field_option_move, name="field_option_move"),
    path("fields/options/<int:pk>/retire/", views.field_option_retire, name="field_option_retire"),
    path(
        "fields/options/<int:pk>/restore/", views.field_option_retire, {"retired": False}, name="field_option_restore"
    ),
    path("fields/options/<int:pk>/delete/", views.field_option_delete, name="field_option_delete"),
    path("export/", views.client_export, name="export"),
    path("export/<int:pk>/", views.client_export_detail, name="export_detail"),
    path("export/<int:pk>/download/", views.client_export_download, name="export_download"),
    path("import/", views.client_import, name="import"),
    path("import/<int:pk>/", views.client_import_detail, name="import_detail"),
    path("recheck/", views.recheck_list, name="recheck"),
    path("recheck/decide/", views.recheck_decide, name="recheck_decide"),
    path("recheck/start/", views.recheck_start, name="recheck_start"),
    path("segments/", views.segment_list, name="segments"),
    path("segments/new/", views.segment_create, name="segment_create"),
    path("segments/<int:pk>/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/delete/", views.segment_delete, name="segment_delete"),
    path("mailing/", views.client_mailing, name="mailing"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("duplicates/find/", views.duplicates_find, name="duplicates_find"),
    path("duplicates/search/<int:pk>/", views.duplicate_search, name="duplicate_search"),
    path("merge/", views.merge, name="merge"),
    path("merge/<int:pk>/", views.merge_detail, name="merge_detail"),
    path("merge/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
]
