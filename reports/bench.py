"""Bench scenarios of the reports (see crm/bench.py), each with the raw SQL floor that answers the
same question."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from clients.models import BusinessRegion, Client, ExtraField, ExtraFieldOption, ExtraValue
from crm.bench import BenchContext, Scenario, register, run_sql


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@register
class ClientAnalysis(Scenario):
    """«Анализ клиентской базы» over the whole base: by the default dimensions (responsible manager ×
    business region) on even requests, by responsible manager × «Лояльность» (an extra list field)
    on odd ones."""

    name = "reports:client_analysis"
    budget_p50_ms = 300.0  # the budget for the analysis; p95 keeps DESIGN.md's 300 ms

    def setup(self, ctx: BenchContext) -> None:
        self.loyalty = (
            ExtraField.objects.filter(name="Лояльность", value_type=ExtraField.ValueType.LIST)
            .exclude(applies_to=ExtraField.AppliesTo.CONTACTS)
            .first()
        )
        if self.loyalty is None:
            raise RuntimeError("no extra field «Лояльность»: seed the data set again (manage.py seed_demo --reset)")

    def url(self, i: int) -> str:
        url = reverse("reports:client_analysis")
        return url if i % 2 == 0 else f"{url}?rows=responsible&columns=extra_{self.loyalty.pk}"

    def floor(self, cursor, i: int) -> None:
        User = get_user_model()
        if i % 2 == 0:
            counts = run_sql(
                cursor,
                f"SELECT c.responsible_id, c.business_region_id, count(*) FROM {_t(Client)} c GROUP BY 1, 2",
            )
            regions = sorted({r[1] for r in counts if r[1] is not None})
            run_sql(cursor, f"SELECT id, name FROM {_t(BusinessRegion)} WHERE id = ANY(%s)", [regions])
        else:
            counts = run_sql(
                cursor,
                f"""
                SELECT c.responsible_id, v.value_option_id, count(*)
                FROM {_t(Client)} c LEFT JOIN {_t(ExtraValue)} v ON v.client_id = c.id AND v.field_id = %s
                GROUP BY 1, 2
                """,
                [self.loyalty.pk],
            )
            run_sql(
                cursor,
                f'SELECT id, name FROM {_t(ExtraFieldOption)} WHERE field_id = %s ORDER BY "order", id',
                [self.loyalty.pk],
            )
        users = sorted({r[0] for r in counts if r[0] is not None})
        run_sql(
            cursor, f"SELECT id, username, first_name, last_name, is_active FROM {_t(User)} WHERE id = ANY(%s)", [users]
        )
