"""A client card: saving it from its edit page with optimistic locking and a history entry, the
card as text (snapshot, diff) that every history entry is written from, duplicate detection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from clients import completeness, extra_fields
from clients.models import Client, ClientChange, ContactInfo, ContactInfoKind, ContactPerson, ExtraField
from clients.services.extra_values import set_extra_values
from crm import merge
from crm.users import user_name

# Built-in fields whose changes are kept in the history, in card order.
TRACKED_FIELDS = (
    "kind",
    "name",
    "full_name",
    "inn",
    "kpp",
    "business_region",
    "legal_address",
    "responsible",
    "abc_class",
    "xyz_class",
    "comment",
)


class StaleEdit(Exception):
    """The card was saved by someone else after this user opened it."""

    def __init__(self, client: Client, changes: Sequence[ClientChange]):
        super().__init__(f"client {client.pk} changed since it was opened")
        self.client = client
        self.changes = changes


def _display(client: Client, field_name: str) -> str:
    field = Client._meta.get_field(field_name)
    if field.choices:
        # History text is stored once, in the site's language, whoever made the change.
        with override(settings.LANGUAGE_CODE):
            return str(getattr(client, f"get_{field_name}_display")())
    value = getattr(client, field_name)
    if value is None:
        return ""
    if field_name == "responsible":
        return user_name(value)
    return str(value)


def snapshot(client: Client) -> dict[str, str]:
    """What the card shows, field by field, as text: {field: display value}; extra fields are
    keyed `extra:<id>`."""
    values = {name: _display(client, name) for name in TRACKED_FIELDS}
    if client.pk:
        values["segments"] = ", ".join(sorted(s.name for s in client.segments.all()))
        values["contact_info"] = _contact_info_text(client.contact_info.all())
        values["contacts"] = "; ".join(sorted(c.name for c in client.contacts.all()))
        for row in client.extra_values.select_related("field", "value_option"):
            values[extra_key(row.field)] = extra_fields.display(row.field, row.value)
    return values


def extra_key(field: ExtraField) -> str:
    return f"extra:{field.pk}"


def _contact_info_text(infos: QuerySet[ContactInfo]) -> str:
    lines = []
    for info in infos.select_related("kind", "contact").order_by("contact_id", "kind__order", "id"):
        owner = f"{info.contact.name}, " if info.contact_id else ""
        lines.append(f"{owner}{info.kind.name}: {info.display_value}")
    return "; ".join(lines)


def diff(before: dict[str, str], after: dict[str, str], labels: dict[str, str] | None = None) -> list[dict[str, str]]:
    """The fields whose text changed. Extra fields keep their name as it was (`labels`), since the
    field may be renamed or deleted later."""
    labels = labels or {}
    changes = []
    for name in dict.fromkeys([*after, *before]):
        old, new = before.get(name, ""), after.get(name, "")
        if old != new:
            change = {"field": name, "old": old, "new": new}
            if name in labels:
                change["label"] = labels[name]
            changes.append(change)
    return changes


def changes_since(client: Client, version: int) -> list[ClientChange]:
    return list(client.changes.filter(version__gt=version).select_related("user").order_by("at", "id"))


class EditConflict(Exception):
    """Someone else changed, after this user opened the card, fields this user changed too.

    `rebases` holds, for every form of the card that was judged, (form, its stored values now,
    the conflicting ones among them): the view starts each form again from what is stored."""

    def __init__(self, client: Client, changes: Sequence[ClientChange], rebases: list[tuple]):
        super().__init__(f"client {client.pk}: conflicting edits")
        self.client = client
        self.changes = changes
        self.rebases = rebases

    @property
    def fields(self) -> int:
        return sum(len(theirs) for _form, _stored, theirs in self.rebases)


@transaction.atomic
def save_card(form, info_formset, contact_formset, *, user, expected_version: int | None) -> Client:
    """Save a card from its edit page: the client form, its contact info and its contact persons
    (each with a nested `info_formset`), merged by field (crm.merge) with what others saved since
    the user opened it. A field both changed raises EditConflict and nothing is written; a save
    that changes nothing writes nothing. Changes are recorded in the history."""
    if form.instance.pk is None:
        return _create_card(form, info_formset, contact_formset, user=user)
    client = Client.objects.select_for_update().get(pk=form.instance.pk)
    if form.base() is None and expected_version != client.version:
        # A form sent without what it started from (an old page) cannot be merged.
        raise StaleEdit(client, changes_since(client, expected_version or 0))
    edit = _CardEdit(client)
    edit.judge(form, form.stored(client))
    edit.judge_rows(info_formset, contact=None)
    persons = {c.pk: c for c in client.contacts.all()}
    person_values = extra_fields.values_of_contacts(client)
    for person_form in contact_formset.forms:
        person = persons.get(person_form.instance.pk)
        if person_form in contact_formset.deleted_forms:
            if person is not None:
                edit.deletes.append(person)
            continue
        if person is not None:
            edit.judge(person_form, person_form.stored(person, person_values.get(person.pk, {})), person)
        elif person_form.has_changed() or person_form.info_formset.has_changed():
            edit.creates.append(person_form)
        if person is not None:
            edit.judge_rows(person_form.info_formset, contact=person)
    if edit.conflicting():
        raise EditConflict(client, changes_since(client, expected_version or 0), edit.rebases)
    if not edit.apply(form):
        return client
    changes = diff(edit.before, snapshot(client), {extra_key(f): f.name for f in form.extra_fields})
    if changes:
        ClientChange.objects.create(
            client=client, user=user, source=ClientChange.Source.FORM, version=client.version, changes=changes
        )
    completeness.recompute(Client.objects.filter(pk=client.pk))
    return client


class _CardEdit:
    """One save of a card: each form's changes judged against what is stored now, then applied."""

    def __init__(self, client: Client):
        self.client = client
        self.before = snapshot(client)
        self.rebases: list[tuple] = []  # (form, stored, theirs)
        self.updates: list[tuple] = []  # (form, stored row, changes)
        self.creates: list = []  # forms of new rows
        self.deletes: list = []  # stored rows
        # Every contact info row of the card, the client's own and its persons', in one query.
        self.rows = {row.pk: row for row in client.contact_info.select_related("kind")}

    def judge(self, form, stored: dict, row=None) -> None:
        changes = form.changes()
        self.rebases.append((form, stored, merge.conflicts(changes, stored)))
        if changes:
            self.updates.append((form, row, changes))

    def judge_rows(self, formset, *, contact: ContactPerson | None) -> None:
        """The contact info rows of the client (`contact` None) or of one of its persons."""
        owner_id = contact.pk if contact is not None else None
        for row_form in formset.forms:
            row = self.rows.get(row_form.instance.pk)
            if row is not None and row.contact_id != owner_id:
                row = None
            if row_form in formset.deleted_forms:
                if row is not None:
                    self.deletes.append(row)
            elif row is not None:
                self.judge(row_form, row_form.stored(row), row)
            elif row_form.has_changed():
                # A new row, or one deleted by someone else meanwhile: what this user typed is kept.
                row_form.instance.pk = None
                self.creates.append(row_form)

    def conflicting(self) -> bool:
        return any(theirs for _form, _stored, theirs in self.rebases)

    def apply(self, form) -> bool:
        """Write the changes and the card's next version; False when there were none."""
        if not (self.updates or self.creates or self.deletes):
            return False
        for row in self.deletes:
            row.delete()
        many = {}
        for changed_form, row, changes in self.updates:
            target = self.client if changed_form is form else row
            later = merge.apply(target, changes)
            if changed_form is form:
                many = later
            else:
                target.save()
            if hasattr(changed_form, "extra_fields"):
                names = set(changes)
                values = {
                    f: v for f, v in changed_form.extra_values().items() if extra_fields.form_field_name(f) in names
                }
                owner = {"client": self.client} if target is self.client else {"contact": target}
                set_extra_values(values, **owner)
        self.client.version += 1
        self.client.save()
        merge.set_many(self.client, many)
        for new_form in self.creates:
            row = new_form.save(commit=False)
            if isinstance(row, ContactPerson):
                row.client = self.client
                row.save()
                set_extra_values(new_form.extra_values(), contact=row)
                _save_new_rows(new_form.info_formset, client=self.client, contact=row)
            else:
                row.client = self.client
                row.save()
        return True


def _save_new_rows(formset, *, client: Client, contact: ContactPerson) -> None:
    """The rows of a new contact person, or of one someone else removed meanwhile: every row the
    user sees is kept (a stored row by its key, a new one when filled in)."""
    for row_form in formset.forms:
        if row_form in formset.deleted_forms or not (row_form.has_changed() or row_form.cleaned_data.get("id")):
            continue
        row = row_form.save(commit=False)
        row.client, row.contact = client, contact
        row.save()


def _create_card(form, info_formset, contact_formset, *, user) -> Client:
    client = form.save()
    set_extra_values(form.extra_values(), client=client)
    info_formset.instance = client
    info_formset.save()
    for contact_form in contact_formset.forms:
        if contact_form in contact_formset.deleted_forms or not (
            contact_form.has_changed() or contact_form.info_formset.has_changed()
        ):
            continue
        contact = contact_form.save(commit=False)
        contact.client = client
        contact.save()
        set_extra_values(contact_form.extra_values(), contact=contact)
        _save_new_rows(contact_form.info_formset, client=client, contact=contact)
    labels = {extra_key(field): field.name for field in form.extra_fields}
    ClientChange.objects.create(
        client=client,
        user=user,
        source=ClientChange.Source.CREATED,
        version=client.version,
        changes=diff({}, snapshot(client), labels),
    )
    completeness.recompute(Client.objects.filter(pk=client.pk))
    return client


@dataclass(frozen=True)
class Duplicate:
    client: Client
    reason: str


def find_duplicates(
    *,
    inn: str = "",
    kpp: str = "",
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    exclude_pk: int | None = None,
) -> list[Duplicate]:
    """Other cards that share this card's ИНН (+КПП when both have one), an e-mail or a phone."""
    found: dict[int, Duplicate] = {}
    others = Client.objects.exclude(pk=exclude_pk) if exclude_pk else Client.objects.all()
    if inn:
        same_inn = others.filter(inn=inn)
        if kpp:
            same_inn = same_inn.filter(Q(kpp=kpp) | Q(kpp=""))
        for client in same_inn[:5]:
            found.setdefault(client.pk, Duplicate(client, _("тот же ИНН %(inn)s") % {"inn": inn}))
    values = {v for v in emails if v} | {v for v in phones if v}
    if values:
        infos = (
            ContactInfo.objects.filter(
                value__in=values,
                kind__value_type__in=(ContactInfoKind.ValueType.EMAIL, ContactInfoKind.ValueType.PHONE),
            )
            .exclude(client_id=exclude_pk)
            .select_related("client", "kind")[:10]
        )
        for info in infos:
            found.setdefault(
                info.client_id,
                Duplicate(
                    info.client,
                    _("тот же %(kind)s %(value)s") % {"kind": info.kind.name.lower(), "value": info.display_value},
                ),
            )
    return list(found.values())
