"""The sales reports: «Реестр заявок-накладных», «Накладные к оплате» in four variants,
«Задолженность по менеджерам (проектам)» and «Оплаты по менеджерам (проектам)» — each a page with
the report's filter, an Excel file and an A4 print view built from the same grid."""
