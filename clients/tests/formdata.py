"""POST data for the card edit page, built the way the browser would send it."""

from clients.models import Client, ContactInfo, ContactInfoKind


def _info_rows(prefix: str, infos: list[ContactInfo], extra: list[tuple[str, str]]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(infos) + len(extra)), f"{prefix}-INITIAL_FORMS": str(len(infos))}
    for i, info in enumerate(infos):
        data.update(
            {
                f"{prefix}-{i}-id": str(info.pk),
                f"{prefix}-{i}-kind": str(info.kind_id),
                f"{prefix}-{i}-value": info.value,
            }
        )
    for j, (kind_name, value) in enumerate(extra, start=len(infos)):
        data.update(
            {f"{prefix}-{j}-kind": str(ContactInfoKind.objects.get(name=kind_name).pk), f"{prefix}-{j}-value": value}
        )
    return data


def card_data(
    client: Client | None = None, *, info: list[tuple[str, str]] = (), contacts: list[dict] = (), **fields
) -> dict:
    """The card's current state as form data, with `fields` overriding client fields, `info` adding
    (kind name, value) rows to the client, and `contacts` adding contact persons
    ({"name": ..., "info": [(kind, value)]})."""
    data = {
        "client-version": str(client.version) if client else "",
        "client-kind": client.kind if client else "company",
        "client-name": client.name if client else "",
        "client-full_name": client.full_name if client else "",
        "client-inn": client.inn if client else "",
        "client-kpp": client.kpp if client else "",
        "client-legal_address": client.legal_address if client else "",
        "client-comment": client.comment if client else "",
        "client-responsible": str(client.responsible_id or "") if client else "",
        "client-business_region": str(client.business_region_id or "") if client else "",
    }
    for name, value in fields.items():
        data[f"client-{name}"] = value
    own = list(client.contact_info.filter(contact__isnull=True).order_by("id")) if client and client.pk else []
    data.update(_info_rows("info", own, list(info)))
    existing = list(client.contacts.order_by("name", "id")) if client and client.pk else []
    data["contacts-TOTAL_FORMS"] = str(len(existing) + len(contacts))
    data["contacts-INITIAL_FORMS"] = str(len(existing))
    for i, contact in enumerate(existing):
        data.update(
            {
                f"contacts-{i}-id": str(contact.pk),
                f"contacts-{i}-client": str(client.pk),
                f"contacts-{i}-name": contact.name,
                f"contacts-{i}-position": contact.position,
            }
        )
        data.update(_info_rows(f"contacts-{i}-info", list(contact.contact_info.order_by("id")), []))
    for j, new in enumerate(contacts, start=len(existing)):
        data.update({f"contacts-{j}-name": new["name"], f"contacts-{j}-position": new.get("position", "")})
        data.update(_info_rows(f"contacts-{j}-info", [], list(new.get("info", []))))
    return data
