from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from clients.models import Client, ContactInfoKind


class ContactValueColumn(tables.Column):
    """The client's own values of one contact-info type, read from the page's single prefetch."""

    def __init__(self, value_type: str, **kwargs):
        self.value_type = value_type
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("empty_values", ())
        super().__init__(**kwargs)

    def render(self, record: Client) -> str:
        values = [i.display_value for i in record.list_contact_info if i.kind.value_type == self.value_type]
        if not values:
            return "—"
        if len(values) == 1:
            return values[0]
        # The first value, and the others on hover: a list row stays one line high.
        return format_html(
            '{} <span class="text-muted" title="{}">+{}</span>', values[0], ", ".join(values[1:]), len(values) - 1
        )


# Columns a user may hide; the name always stays.
OPTIONAL_COLUMNS = (
    "kind",
    "inn",
    "kpp",
    "business_region",
    "responsible",
    "segments",
    "abc_class",
    "xyz_class",
    "phone",
    "email",
    "created_at",
)


class ClientTable(tables.Table):
    name = tables.Column(linkify=True, verbose_name=_("Наименование"))
    kind = tables.Column(verbose_name=_("Вид"))
    inn = tables.Column(verbose_name=_("ИНН"))
    kpp = tables.Column(verbose_name=_("КПП"))
    business_region = tables.Column(verbose_name=_("Бизнес-регион"), order_by=("business_region__name", "name"))
    responsible = tables.Column(
        verbose_name=_("Ответственный"), order_by=("responsible__last_name", "responsible__first_name", "name")
    )
    segments = tables.ManyToManyColumn(verbose_name=_("Сегменты"), orderable=False)
    abc_class = tables.Column(verbose_name=_("ABC"))
    xyz_class = tables.Column(verbose_name=_("XYZ"))
    phone = ContactValueColumn(ContactInfoKind.ValueType.PHONE, verbose_name=_("Телефон"))
    email = ContactValueColumn(ContactInfoKind.ValueType.EMAIL, verbose_name=_("E-mail"))
    created_at = tables.DateTimeColumn(verbose_name=_("Создан"), format="d.m.Y")

    OPTIONAL = OPTIONAL_COLUMNS
    DEFAULT_HIDDEN = ("kpp", "segments", "created_at")

    class Meta:
        model = Client
        fields = ()
        sequence = ("name", *OPTIONAL_COLUMNS)
        order_by = ("name",)
        empty_text = _("Ничего не найдено. Измените условия отбора.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "client-table"}

    def render_responsible(self, value) -> str:
        return value.get_full_name() or value.username
