from django.urls import path

from funnel import views

app_name = "funnel"

urlpatterns = [
    path("", views.board, name="board"),
    path("columns/<int:pk>/", views.board_column, name="board_column"),
    path("stuck/", views.stuck_list, name="stuck"),
    path("deals/new/", views.deal_create, name="deal_create"),
    path("deals/<int:pk>/", views.deal_detail, name="deal_detail"),
    path("deals/<int:pk>/edit/", views.deal_edit, name="deal_edit"),
    path("deals/<int:pk>/move/", views.deal_move, name="deal_move"),
    path("deals/<int:pk>/lines/", views.deal_lines, name="deal_lines"),
    path("deals/<int:pk>/convert/", views.deal_convert, name="deal_convert"),
    path("deals/<int:pk>/invoice/", views.deal_invoice, name="deal_invoice"),
    path("choices/clients/", views.client_choices, name="client_choices"),
    path("settings/", views.funnel_settings, name="settings"),
    path("settings/funnels/new/", views.funnel_create, name="funnel_create"),
    path("settings/funnels/<int:pk>/", views.funnel_edit, name="funnel_edit"),
    path("settings/funnels/<int:pk>/web-form/key/", views.web_form_key, name="web_form_key"),
    path("settings/funnels/<int:pk>/stages/new/", views.stage_add, name="stage_add"),
    path("settings/funnels/<int:pk>/stages/order/", views.stage_reorder, name="stage_reorder"),
    path("settings/stages/<int:pk>/", views.stage_edit, name="stage_edit"),
    path("settings/stages/<int:pk>/retire/", views.stage_retire, name="stage_retire"),
    path("settings/stages/<int:pk>/restore/", views.stage_restore, name="stage_restore"),
    path("settings/reasons/new/", views.reason_add, name="reason_add"),
    path("settings/reasons/<int:pk>/", views.reason_edit, name="reason_edit"),
    path("settings/reasons/<int:pk>/toggle/", views.reason_toggle, name="reason_toggle"),
]
