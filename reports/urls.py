from django.urls import path

from reports import views
from reports.analysis.views import ClientAnalysis
from reports.completeness.views import CompletenessByManager
from reports.funnel import views as funnel
from reports.iterations.views import TaskIterations, task_iterations_tasks
from reports.ledger.views import ClientLedger, Reconciliation
from reports.receivables import views as receivables

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("client-analysis/", ClientAnalysis.as_view(), name="client_analysis"),
    path("completeness-by-manager/", CompletenessByManager.as_view(), name="completeness_by_manager"),
    path("task-iterations/", TaskIterations.as_view(), name="task_iterations"),
    path("task-iterations/<int:executor_id>/", task_iterations_tasks, name="task_iterations_tasks"),
    path("invoice-register/", receivables.InvoiceRegister.as_view(), name="invoice_register"),
    path("invoices-to-pay/", receivables.InvoicesToPay.as_view(), name="invoices_to_pay"),
    path("debt-by-manager/", receivables.DebtByManager.as_view(), name="debt_by_manager"),
    path("payments-by-manager/", receivables.PaymentsByManager.as_view(), name="payments_by_manager"),
    path("client-ledger/", ClientLedger.as_view(), name="client_ledger"),
    path("reconciliation/", Reconciliation.as_view(), name="reconciliation"),
    path("funnel-conversion/", funnel.Conversion.as_view(), name="funnel_conversion"),
    path("funnel-time-in-stage/", funnel.TimeInStage.as_view(), name="funnel_time_in_stage"),
    path("funnel-managers/", funnel.Managers.as_view(), name="funnel_managers"),
    path("repeat-sales/", funnel.RepeatSales.as_view(), name="repeat_sales"),
]
