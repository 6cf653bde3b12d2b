"""Bench scenarios of the completeness wizards (see runner.py): step 3 — who lacks an e-mail —
over the whole base."""

from __future__ import annotations

from django.urls import reverse

from clients.models import Client, ContactInfo, ContactInfoKind, ContactPerson
from devtools.bench.runner import BenchContext, Scenario, register, run_sql, table
from quality import services
from quality.models import WizardRun


@register
class WizardStep3(Scenario):
    """«Контроль заполнения контактной информации», step 3 for Email (clients and contact persons)
    with no filter: how many clients lack it over the whole base (estimated from a sample at L and
    XL), and page 1 of 50 with their contact persons and what each lacks."""

    name = "quality:step3 whole base"
    budget_p50_ms = 300.0
    budget_p95_ms = 600.0

    def setup(self, ctx: BenchContext) -> None:
        self.email = ContactInfoKind.objects.filter(value_type=ContactInfoKind.ValueType.EMAIL).order_by("pk").first()
        if self.email is None:
            raise RuntimeError("no Email kind of contact information")
        check = f"info:{self.email.pk}"
        # A draft run of the bench user, made once and reused by later benchmark runs.
        self.run, _created = WizardRun.objects.get_or_create(
            author=ctx.user,
            kind=WizardRun.Kind.CONTACT_INFO,
            state=WizardRun.State.DRAFT,
            client_checks=[check],
            contact_checks=[check],
            filter_query="",
        )

    def url(self, i: int) -> str:
        return reverse("quality:run_step", args=[self.run.pk, 3])

    def floor(self, cursor, i: int) -> None:
        # Each client tested on its own rows as the names are walked (crm.per_row).
        lacking_client = f"""(SELECT 1 FROM {table(ContactInfo)} ci WHERE ci.client_id = c.id
            AND ci.contact_id IS NULL AND ci.kind_id = %s AND ci.value <> '' LIMIT 1) IS NULL"""
        lacking_contact = f"""(SELECT 1 FROM {table(ContactPerson)} p WHERE p.client_id = c.id AND NOT EXISTS (
            SELECT 1 FROM {table(ContactInfo)} ci WHERE ci.contact_id = p.id AND ci.kind_id = %s AND ci.value <> '')
            LIMIT 1) IS NOT NULL"""
        where = f"({lacking_client} OR {lacking_contact})"
        params = [self.email.pk, self.email.pk]
        # The count as step 3 makes it over a large base: the share lacking among a sample of the
        # base, times the planner's count of the base.
        sample = f"SELECT id FROM {table(Client)} ORDER BY id LIMIT {services.count_sample()}"
        run_sql(
            cursor,
            f"SELECT count(*), count(*) FILTER (WHERE {where}) FROM {table(Client)} c WHERE c.id IN ({sample})",
            params,
        )
        run_sql(cursor, f"EXPLAIN SELECT id FROM {table(Client)}", [])
        page = f"SELECT c.id, c.name FROM {table(Client)} c WHERE {where} ORDER BY c.name, c.id LIMIT 50"
        rows = run_sql(cursor, page, params)
        ids = [r[0] for r in rows]
        run_sql(
            cursor,
            f"""SELECT p.id, p.client_id, p.name FROM {table(ContactPerson)} p
            WHERE p.client_id = ANY(%s) AND NOT EXISTS (SELECT 1 FROM {table(ContactInfo)} ci
                WHERE ci.contact_id = p.id AND ci.kind_id = %s AND ci.value <> '')""",
            [ids, self.email.pk],
        )
