"""What a client card lacks, against checks that the completeness wizards choose and tasks carry.

A check is a short key:
- ``info:<kind id>`` — at least one value of that contact-information kind, the client's own or,
  for a contact person, the person's;
- ``prop:<name>`` — a built-in property of the client (see PROPERTIES); КПП only for companies;
- ``extra:<field id>`` — a value of that extra field.

Everything here reads today's data, so a task's progress moves as soon as a manager fills a card.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import NullIf
from django.utils.translation import gettext_lazy as _

from clients.models import Client, ContactInfo, ContactInfoKind, ExtraField, ExtraValue, RequiredProperty

# Built-in properties a wizard may require: name → label.
PROPERTIES = {
    "inn": _("ИНН"),
    "kpp": _("КПП"),
    "full_name": _("Полное наименование"),
    "business_region": _("Бизнес-регион"),
    "legal_address": _("Юридический адрес"),
    "responsible": _("Ответственный менеджер"),
    "segments": _("Сегменты"),
    "abc_class": _("ABC-класс"),
    "xyz_class": _("XYZ-класс"),
}
# Where a property's value is read from, when not from the column of its name.
PROPERTY_COLUMNS = {
    "business_region": "business_region_id",
    "responsible": "responsible_id",
    "segments": "has_segments",
}
# Properties that a kind of client does not have: they are never missing there.
NOT_APPLICABLE = {Client.Kind.INDIVIDUAL: {"kpp"}}


def info_check(kind: ContactInfoKind | int) -> str:
    return f"info:{getattr(kind, 'pk', kind)}"


def property_check(name: str) -> str:
    if name not in PROPERTIES:
        raise ValueError(f"unknown client property {name!r}")
    return f"prop:{name}"


def extra_check(field: ExtraField | int) -> str:
    return f"extra:{getattr(field, 'pk', field)}"


def _split(check: str) -> tuple[str, str]:
    prefix, _sep, rest = check.partition(":")
    return prefix, rest


@dataclass(frozen=True)
class Item:
    """A client (contact None) or one of its contact persons, with the checks it must pass."""

    client_id: int
    contact_id: int | None
    checks: Sequence[str]

    @property
    def key(self) -> tuple[int, int | None]:
        return (self.client_id, self.contact_id)


def missing(items: Iterable[Item]) -> dict[tuple[int, int | None], list[str]]:
    """{(client id, contact id or None): the item's checks that are not filled today}, in at most
    three queries whatever the number of items."""
    items = list(items)
    return {item.key: lacking for item, lacking in zip(items, missing_in_order(items), strict=True)}


def missing_in_order(items: Sequence[Item]) -> list[list[str]]:
    """The checks each item lacks today, in the order of `items` (which may hold the same client
    twice, with other checks: items of several tasks)."""
    kinds_needed, props_needed, fields_needed = set(), set(), set()
    for item in items:
        for check in item.checks:
            prefix, rest = _split(check)
            if prefix == "info":
                kinds_needed.add(int(rest))
            elif prefix == "prop":
                props_needed.add(rest)
            elif prefix == "extra":
                fields_needed.add(int(rest))
    client_ids = {item.client_id for item in items}
    contact_ids = {item.contact_id for item in items if item.contact_id is not None}

    has_info: set[tuple[int, int | None, int]] = set()
    if kinds_needed:
        has_info = set(
            ContactInfo.objects.filter(client_id__in=client_ids, kind_id__in=kinds_needed)
            .exclude(value="")
            .order_by()
            .values_list("client_id", "contact_id", "kind_id")
            .distinct()
        )
    props: dict[int, dict] = {}
    if props_needed:
        clients = Client.objects.filter(pk__in=client_ids).order_by()
        if "segments" in props_needed:
            # Restricted to the same clients, so that PostgreSQL does not hash every segment link.
            links = Client.segments.through.objects.filter(client_id__in=client_ids).filter(client_id=OuterRef("pk"))
            clients = clients.annotate(has_segments=Exists(links))
        columns = {PROPERTY_COLUMNS.get(p, p) for p in props_needed}
        props = {row["pk"]: row for row in clients.values("pk", "kind", *columns)}
    has_extra: set[tuple[int | None, int | None, int]] = set()
    if fields_needed:
        owners = Q(client_id__in=client_ids) | Q(contact_id__in=contact_ids)
        values = ExtraValue.objects.filter(owners, field_id__in=fields_needed)
        has_extra = set(values.order_by().values_list("client_id", "contact_id", "field_id"))

    def filled(item: Item, check: str) -> bool:
        prefix, rest = _split(check)
        if prefix == "info":
            return (item.client_id, item.contact_id, int(rest)) in has_info
        if prefix == "prop":
            row = props.get(item.client_id)
            if row is None:
                return True  # the client is gone: nothing left to fill
            if rest in NOT_APPLICABLE.get(row["kind"], ()):
                return True
            return bool(row[PROPERTY_COLUMNS.get(rest, rest)])
        if prefix == "extra":
            owner = (item.client_id, None) if item.contact_id is None else (None, item.contact_id)
            return (*owner, int(rest)) in has_extra
        return True

    return [[c for c in item.checks if not filled(item, c)] for item in items]


def labels(checks: Iterable[str]) -> dict[str, str]:
    """{check: what a user calls it}, e.g. "info:3" → "Email"; two queries at most."""
    checks = set(checks)
    kinds = {int(r) for p, r in map(_split, checks) if p == "info"}
    fields = {int(r) for p, r in map(_split, checks) if p == "extra"}
    kind_names = dict(ContactInfoKind.objects.filter(pk__in=kinds).values_list("pk", "name")) if kinds else {}
    field_names = dict(ExtraField.objects.filter(pk__in=fields).values_list("pk", "name")) if fields else {}
    result = {}
    for check in checks:
        prefix, rest = _split(check)
        if prefix == "info":
            result[check] = kind_names.get(int(rest), check)
        elif prefix == "prop":
            result[check] = str(PROPERTIES.get(rest, rest))
        elif prefix == "extra":
            result[check] = field_names.get(int(rest), check)
        else:
            result[check] = check
    return result


def progress(missing_by_item: dict) -> tuple[int, int]:
    """(items with nothing missing, all items)."""
    done = sum(1 for lacking in missing_by_item.values() if not lacking)
    return done, len(missing_by_item)


# --- in SQL, over the whole base (the wizards' step 3) ----------------------------------------------


def lacking_condition(check: str, *, of_contacts: bool = False) -> Q:
    """A condition true for the clients (or, with `of_contacts`, the contact persons) that lack
    `check` today; built from NOT EXISTS and column tests, so it runs through indexes."""
    prefix, rest = _split(check)
    owner = "contact" if of_contacts else "client"
    if prefix == "info":
        values = ContactInfo.objects.filter(kind_id=int(rest)).exclude(value="")
        values = (
            values.filter(contact=OuterRef("pk"))
            if of_contacts
            else values.filter(client=OuterRef("pk"), contact__isnull=True)
        )
        return ~Q(Exists(values))
    if prefix == "extra":
        condition = ~Q(Exists(ExtraValue.objects.filter(field_id=int(rest), **{owner: OuterRef("pk")})))
        if not of_contacts:
            kinds = applicable_kinds(ExtraField.objects.get(pk=int(rest)).applies_to)
            if kinds is not None:
                condition &= Q(kind__in=kinds)
        return condition
    if prefix == "prop" and not of_contacts:
        if rest == "segments":
            return ~Q(Exists(Client.segments.through.objects.filter(client_id=OuterRef("pk"))))
        if rest in ("business_region", "responsible"):
            return Q(**{f"{rest}__isnull": True})
        condition = Q(**{rest: ""})
        for kind, names in NOT_APPLICABLE.items():
            if rest in names:
                condition &= ~Q(kind=kind)
        return condition
    raise ValueError(f"no condition for {check!r}" + (" on contact persons" if of_contacts else ""))


def applicable_kinds(applies_to: str) -> list[str] | None:
    """The kinds of client an extra field with this «Принадлежность» applies to (None: all)."""
    return {
        ExtraField.AppliesTo.COMPANIES: [Client.Kind.COMPANY],
        ExtraField.AppliesTo.INDIVIDUALS: [Client.Kind.INDIVIDUAL],
        ExtraField.AppliesTo.CONTACTS: [],
    }.get(applies_to)


def applies(check: str, client_kind: str, applies_to: dict[int, str]) -> bool:
    """Whether a client check concerns a client of `client_kind`; `applies_to` gives the
    «Принадлежность» of the extra fields by id."""
    prefix, rest = _split(check)
    if prefix == "prop":
        return rest not in NOT_APPLICABLE.get(client_kind, ())
    if prefix == "extra":
        kinds = applicable_kinds(applies_to.get(int(rest), ExtraField.AppliesTo.ALL))
        return kinds is None or client_kind in kinds
    return True


def lacking_any(queryset, checks: Sequence[str], *, of_contacts: bool = False):
    """The clients (or contact persons) of `queryset` that lack at least one of `checks`."""
    if not checks:
        return queryset.none()
    condition = Q()
    for check in checks:
        condition |= lacking_condition(check, of_contacts=of_contacts)
    return queryset.filter(condition)


# --- «Заполненность»: the share of the required checks a client passes ------------------------------


def required_checks() -> list[str]:
    """The checks every client card is held to: the required built-in properties, contact
    information kinds and extra fields of clients."""
    names = RequiredProperty.objects.values_list("name", flat=True)
    kinds = ContactInfoKind.objects.filter(required=True, for_clients=True).values_list("pk", flat=True)
    fields = ExtraField.objects.filter(required=True, hidden=False).exclude(applies_to=ExtraField.AppliesTo.CONTACTS)
    return [
        *(property_check(n) for n in sorted(names) if n in PROPERTIES),
        *(info_check(k) for k in kinds),
        *(extra_check(f) for f in fields.values_list("pk", flat=True)),
    ]


def _applicable(check: str) -> Q:
    """Which clients a check concerns (КПП: companies; a field: its «Принадлежность»)."""
    prefix, rest = _split(check)
    if prefix == "prop":
        excluded = [kind for kind, names in NOT_APPLICABLE.items() if rest in names]
        return ~Q(kind__in=excluded) if excluded else Q()
    if prefix == "extra":
        kinds = applicable_kinds(ExtraField.objects.get(pk=int(rest)).applies_to)
        return Q(kind__in=kinds) if kinds is not None else Q()
    return Q()


def score(checks: Sequence[str]):
    """An SQL expression: the percentage of `checks` that a client passes, of those that concern
    it; NULL when none does."""
    if not checks:
        return Value(None, output_field=IntegerField())
    passed = applicable = Value(0)
    for check in checks:
        concerns = _applicable(check)
        filled = ~lacking_condition(check)
        if concerns:
            passed = passed + Case(When(concerns & filled, then=Value(1)), default=Value(0))
            applicable = applicable + Case(When(concerns, then=Value(1)), default=Value(0))
        else:  # it concerns every client
            passed = passed + Case(When(filled, then=Value(1)), default=Value(0))
            applicable = applicable + Value(1)
    return ExpressionWrapper(passed * 100 / NullIf(applicable, Value(0)), output_field=IntegerField())


def recompute(clients=None) -> int:
    """Store the «Заполненность» of `clients` (a queryset; all clients when None) in one UPDATE
    of the rows whose score changes — rewriting the unchanged ones would only bloat the table.
    Returns how many clients changed."""
    queryset = Client.objects.all() if clients is None else clients
    new = score(required_checks())
    was_null, now_null = Q(completeness__isnull=True), Q(new__isnull=True)
    differs = (was_null & ~now_null) | (~was_null & now_null) | (~was_null & ~now_null & ~Q(completeness=F("new")))
    return queryset.alias(new=new).filter(differs).update(completeness=new)


def lacking_of(client: Client) -> tuple[list[str], list[str]]:
    """(labels of the required checks the client lacks, labels of all that concern it)."""
    applies_to = dict(ExtraField.objects.values_list("pk", "applies_to"))
    checks = [c for c in required_checks() if applies(c, client.kind, applies_to)]
    lacking = missing([Item(client.pk, None, checks)])[(client.pk, None)]
    names = labels(checks)
    return [names[c] for c in lacking], [names[c] for c in checks]


def set_required(*, properties: Sequence[str], kind_ids: Sequence[int], field_ids: Sequence[int]) -> None:
    """Save what a complete card has; the caller recomputes the scores (clients.jobs)."""
    with transaction.atomic():
        RequiredProperty.objects.exclude(name__in=properties).delete()
        for name in properties:
            RequiredProperty.objects.get_or_create(name=name)
        ContactInfoKind.objects.exclude(pk__in=kind_ids).update(required=False)
        ContactInfoKind.objects.filter(pk__in=kind_ids).update(required=True)
        clients_fields = ExtraField.objects.exclude(applies_to=ExtraField.AppliesTo.CONTACTS)
        clients_fields.exclude(pk__in=field_ids).update(required=False)
        clients_fields.filter(pk__in=field_ids).update(required=True)
