"""What the exchange with an accounting system (1C, another ERP) shares across the apps: the
external key a client, a contract, an invoice and a payment carry — the other system's name for
itself and its own id of the row —, what an upsert did to a document, and the refusal of a set of
documents with a message per document.

The upserts themselves live in the services of the apps whose rows they write
(clients.services.exchange, sales.services.exchange); api.services.exchange hands them a batch."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SOURCE_MAX = 20
ID_MAX = 100
# The kinds of documents, in the order a batch writes them: a document may name one of an earlier kind.
KINDS = ("clients", "contracts", "invoices", "payments")


class ExternalKey(models.Model):
    """The other system's key of a row: empty for rows made in the CRM."""

    # A default in the table too: rows written by COPY or raw SQL (the demo seeder) get it.
    external_source = models.CharField(
        _("Внешняя система"), max_length=SOURCE_MAX, blank=True, default="", db_default=""
    )
    external_id = models.CharField(_("Внешний идентификатор"), max_length=ID_MAX, blank=True, default="", db_default="")

    class Meta:
        abstract = True


def external_key_unique(name: str) -> models.UniqueConstraint:
    """One row per (source, id) among the rows that have an external id; an index that finds it."""
    return models.UniqueConstraint(fields=["external_source", "external_id"], condition=~Q(external_id=""), name=name)


@dataclass
class Keyed:
    """A document of a call: where it stands in the call (a batch's index) and its key."""

    position: int
    source: str
    external_id: str


class Outcome:
    """What an upsert did to one document."""

    CREATED = "created"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


class ExchangeRefused(Exception):
    """Documents the rules refuse: {position of the document in the call: message}; `forbidden`,
    the positions refused because the user may not change that row. Nothing of the call is kept."""

    def __init__(self, errors: dict[int, str], forbidden: set[int] = frozenset()):
        super().__init__("; ".join(f"{n}: {m}" for n, m in sorted(errors.items())))
        self.errors = errors
        self.forbidden = set(forbidden)


def keys_of(documents) -> list[tuple[str, str]]:
    return [(d.source, d.external_id) for d in documents]


def by_key(queryset, keys: list[tuple[str, str]]) -> dict[tuple[str, str], models.Model]:
    """The stored rows of `queryset` with these (source, id) keys, in one query."""
    if not keys:
        return {}
    condition = Q()
    for source in {s for s, _i in keys}:
        condition |= Q(external_source=source, external_id__in=[i for s, i in keys if s == source])
    return {(row.external_source, row.external_id): row for row in queryset.filter(condition)}


def repeated(documents) -> dict[int, str]:
    """{position: message} of a document whose key an earlier one of the same call has."""
    seen, errors = set(), {}
    for document in documents:
        key = (document.source, document.external_id)
        if key in seen:
            errors[document.position] = str(_("Документ с этим ключом уже есть в этом пакете."))
        seen.add(key)
    return errors


def one_call_at_a_time() -> None:
    """Hold the exchange's lock to the end of the transaction: two calls creating the same new key
    at once would otherwise both find it missing (a transaction-level advisory lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('crm.exchange'))")
