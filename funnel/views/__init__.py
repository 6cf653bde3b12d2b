"""The funnel pages: the board (board.py), a deal (deals.py), «Зависшие сделки» (stuck.py) and «Настройки
воронок» (setup.py)."""

from funnel.views.board import board, board_column
from funnel.views.deals import (
    client_choices,
    deal_convert,
    deal_create,
    deal_detail,
    deal_edit,
    deal_invoice,
    deal_lines,
    deal_move,
)
from funnel.views.setup import (
    funnel_create,
    funnel_edit,
    funnel_settings,
    reason_add,
    reason_edit,
    reason_toggle,
    stage_add,
    stage_edit,
    stage_reorder,
    stage_restore,
    stage_retire,
)
from funnel.views.stuck import stuck_list
from funnel.views.web_leads import web_form_key, web_lead

__all__ = ["board", "board_column", "stuck_list"]
__all__ += ["client_choices", "deal_convert", "deal_create", "deal_detail", "deal_edit", "deal_invoice"]
__all__ += ["deal_lines", "deal_move", "web_form_key", "web_lead"]
__all__ += [
    "funnel_create",
    "funnel_edit",
    "funnel_settings",
    "reason_add",
    "reason_edit",
    "reason_toggle",
    "stage_add",
    "stage_edit",
    "stage_reorder",
    "stage_restore",
    "stage_retire",
]
