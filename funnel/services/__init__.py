"""Business operations of the funnel, by topic (each name is re-exported here, for callers:
`services.move`): `deals` — creating and changing a deal, moving it between stages, its lines with
the margin guard, an invoice from a won order, lead → client; `setup` — funnels and their stages
(«Настройки воронок»)."""

from funnel.services.deals import (
    FunnelError,
    Line,
    LinesChanged,
    MarginNotConfirmed,
    convert_lead,
    create_deal,
    create_invoice,
    invoice_refusal,
    lead_contacts,
    lead_duplicates,
    margin,
    margin_warnings,
    may_move,
    move,
    number,
    percent,
    save_lines,
    update_deal,
)
from funnel.services.setup import (
    ORDER_STEP,
    add_stage,
    create_funnel,
    move_stage_deals,
    reorder_stages,
    restore_stage,
    retire_stage,
    update_stage,
)

__all__ = [
    "ORDER_STEP",
    "FunnelError",
    "Line",
    "LinesChanged",
    "MarginNotConfirmed",
    "add_stage",
    "convert_lead",
    "create_deal",
    "create_funnel",
    "create_invoice",
    "invoice_refusal",
    "lead_contacts",
    "lead_duplicates",
    "margin",
    "margin_warnings",
    "may_move",
    "move",
    "move_stage_deals",
    "number",
    "percent",
    "reorder_stages",
    "restore_stage",
    "retire_stage",
    "save_lines",
    "update_deal",
    "update_stage",
]
