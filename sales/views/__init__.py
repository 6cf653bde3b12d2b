"""The sales pages, one module per topic: the lists, invoices, payments, contracts, and the form's
choice lists."""

from sales.views.abc_xyz import recalculate_classes
from sales.views.choices import client_choices, contract_choices
from sales.views.contracts import contract_create, contract_detail, contract_edit
from sales.views.invoices import invoice_create, invoice_detail, invoice_edit, invoice_status
from sales.views.lists import (
    contract_export,
    contract_list,
    invoice_export,
    invoice_list,
    payment_export,
    payment_list,
    reconciliation_export,
    reconciliation_list,
)
from sales.views.payments import (
    payment_allocate,
    payment_allocate_oldest,
    payment_create,
    payment_detail,
    payment_release,
)
from sales.views.reconciliations import (
    reconciliation_answer,
    reconciliation_create,
    reconciliation_detail,
    reconciliation_file,
    reconciliation_move,
    reconciliation_scan,
)

__all__ = ["client_choices", "contract_choices", "recalculate_classes"]
__all__ += ["contract_create", "contract_detail", "contract_edit", "contract_export", "contract_list"]
__all__ += ["invoice_create", "invoice_detail", "invoice_edit", "invoice_export", "invoice_list", "invoice_status"]
__all__ += [
    "payment_allocate",
    "payment_allocate_oldest",
    "payment_create",
    "payment_detail",
    "payment_export",
    "payment_list",
    "payment_release",
]
__all__ += [
    "reconciliation_answer",
    "reconciliation_create",
    "reconciliation_detail",
    "reconciliation_export",
    "reconciliation_file",
    "reconciliation_list",
    "reconciliation_move",
    "reconciliation_scan",
]
