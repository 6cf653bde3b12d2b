from django.urls import path

from sales import views

app_name = "sales"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/export/", views.invoice_export, name="invoice_export"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<int:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<int:pk>/edit/", views.invoice_edit, name="invoice_edit"),
    path("invoices/<int:pk>/status/", views.invoice_status, name="invoice_status"),
    path("payments/", views.payment_list, name="payment_list"),
    path("payments/export/", views.payment_export, name="payment_export"),
    path("payments/new/", views.payment_create, name="payment_create"),
    path("payments/<int:pk>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:pk>/allocate/", views.payment_allocate, name="payment_allocate"),
    path("payments/<int:pk>/allocate-oldest/", views.payment_allocate_oldest, name="payment_allocate_oldest"),
    path("payments/<int:pk>/release/", views.payment_release, name="payment_release"),
    path("reconciliations/", views.reconciliation_list, name="reconciliation_list"),
    path("reconciliations/export/", views.reconciliation_export, name="reconciliation_export"),
    path("reconciliations/new/", views.reconciliation_create, name="reconciliation_create"),
    path("reconciliations/<int:pk>/", views.reconciliation_detail, name="reconciliation_detail"),
    path("reconciliations/<int:pk>/state/", views.reconciliation_move, name="reconciliation_move"),
    path("reconciliations/<int:pk>/answer/", views.reconciliation_answer, name="reconciliation_answer"),
    path("reconciliations/<int:pk>/file/", views.reconciliation_file, name="reconciliation_file"),
    path("reconciliations/<int:pk>/scan/", views.reconciliation_scan, name="reconciliation_scan"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("contracts/export/", views.contract_export, name="contract_export"),
    path("contracts/new/", views.contract_create, name="contract_create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract_detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract_edit"),
    path("classes/recalculate/", views.recalculate_classes, name="recalculate_classes"),
    path("choices/clients/", views.client_choices, name="client_choices"),
    path("choices/contracts/", views.contract_choices, name="contract_choices"),
]
