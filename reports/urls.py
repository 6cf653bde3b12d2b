from django.urls import path

from reports import views
from reports.funnel import views as funnel
from reports.receivables import views as receivables

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("client-analysis/", views.client_analysis, name="client_analysis"),
    path("completeness-by-manager/", views.completeness_by_manager, name="completeness_by_manager"),
    path("task-iterations/", views.task_iterations, name="task_iterations"),
    path("task-iterations/<int:executor_id>/", views.task_iterations_tasks, name="task_iterations_tasks"),
    path("invoice-register/", receivables.invoice_register, name="invoice_register"),
    path("invoices-to-pay/", receivables.invoices_to_pay, name="invoices_to_pay"),
    path("debt-by-manager/", receivables.debt_by_manager, name="debt_by_manager"),
    path("payments-by-manager/", receivables.payments_by_manager, name="payments_by_manager"),
    path("client-ledger/", views.client_ledger, name="client_ledger"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("funnel-conversion/", funnel.conversion, name="funnel_conversion"),
    path("funnel-time-in-stage/", funnel.time_in_stage, name="funnel_time_in_stage"),
    path("funnel-managers/", funnel.managers, name="funnel_managers"),
    path("repeat-sales/", funnel.repeat_sales, name="repeat_sales"),
]
