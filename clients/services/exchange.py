"""Clients sent by an accounting system, upserted by their external key through the one writer
(`write`, source «API»): a client the system has not sent before is created (its responsible the
key's user, as the card page starts one), a known one gets the fields sent, and a document whose
values are all stored already writes nothing — no version, no history entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.db import transaction
from django.utils.translation import gettext as _

from clients import access
from clients.models import Client, ClientChange
from clients.services.writer import ClientChangeSet, write
from crm.exchange import ExchangeRefused, Keyed, Outcome, by_key, keys_of, repeated

# What an accounting system keeps of a client: its requisites.
EXCHANGED_FIELDS = ("kind", "name", "full_name", "inn", "kpp", "legal_address")


@dataclass
class ClientDocument(Keyed):
    """Checked values of EXCHANGED_FIELDS; a field not sent keeps its stored value."""

    fields: dict[str, object] = dataclass_field(default_factory=dict)


@transaction.atomic
def upsert_clients(documents: Sequence[ClientDocument], *, user) -> dict[int, str]:
    """{position: Outcome} of each document; ExchangeRefused (nothing written) when any is refused:
    a client of another manager, a new one without a name, a КПП of a person."""
    errors = repeated(documents)
    forbidden: set[int] = set()
    stored = by_key(Client.all_objects.select_for_update(), keys_of(documents))
    changes: list[tuple[int, ClientChangeSet]] = []
    for document in documents:
        if document.position in errors:
            continue
        client = stored.get((document.source, document.external_id))
        if client is not None and client.merged_into_id:
            errors[document.position] = _(
                "Клиент с этим ключом объединён с другой карточкой (id %(id)s) и скрыт: передавайте ключ той карточки."
            ) % {"id": client.merged_into_id}
            continue
        if client is None:
            client = Client(external_source=document.source, external_id=document.external_id, responsible=user)
        if not access.works_with(client, user):
            errors[document.position] = _("Клиента ведёт другой менеджер: изменить его могут он и руководитель.")
            forbidden.add(document.position)
            continue
        problem = _refused(client, document.fields)
        if problem:
            errors[document.position] = problem
            continue
        fields = dict(document.fields) if client.pk else {"responsible": user, **document.fields}
        changes.append((document.position, ClientChangeSet(client, fields=fields)))
    if errors:
        raise ExchangeRefused(errors, forbidden)
    created = {position for position, change in changes if change.creates}
    result = write([change for _position, change in changes], user=user, source=ClientChange.Source.API)
    written = {id(client) for client in result.changed}
    return {
        position: Outcome.CREATED
        if position in created
        else Outcome.CHANGED
        if id(change.client) in written
        else Outcome.UNCHANGED
        for position, change in changes
    }


def _refused(client: Client, fields: dict[str, object]) -> str | None:
    """What the client's rules refuse in these values once they are set (None: nothing)."""
    if client.pk is None and not fields.get("name"):
        return _("У нового клиента должно быть наименование (name).")
    kind = fields.get("kind", client.kind)
    if kind != Client.Kind.COMPANY and fields.get("kpp", client.kpp):
        return _("КПП указывается только для организаций.")
    inn = fields.get("inn", client.inn)
    if inn and len(inn) != (10 if kind == Client.Kind.COMPANY else 12):
        return _("ИНН организации — 10 цифр, физического лица — 12.")
    return None
