from __future__ import annotations

import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from clients import extra_fields as extra
from clients.models import Client, ContactInfo, ContactInfoKind, ExtraField, RecheckProposal, attach_listed_contacts
from crm import roles
from crm.html import esc
from crm.reversing import url_maker
from crm.tables import FastTable, short_date
from crm.users import user_name

EMPTY = "—"

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
    "completeness",
)


def contact_values(value_type: str):
    """The client's own values of one contact-info type, read for the whole page at once
    (attach_listed_contacts): the first one, and the others on hover, so a row stays one line high."""

    def render(client: Client) -> str:
        values = [
            ContactInfo.shown(i.value, i.value_type) for i in client.list_contact_info if i.value_type == value_type
        ]
        if len(values) <= 1:
            return values[0] if values else EMPTY
        return mark_safe(
            f'{esc(values[0])} <span class="text-muted" title="{esc(", ".join(values[1:]))}">+{len(values) - 1}</span>'
        )

    return render


class ExtraFieldColumn(tables.Column):
    """A column of one extra field, sorted through a LEFT JOIN on its value (clients without a
    value last, either way)."""

    def __init__(self, field: ExtraField, **kwargs):
        self.field = field
        super().__init__(verbose_name=field.name, empty_values=(), **kwargs)

    def order(self, queryset, is_descending):
        sort = extra.type_of(self.field).sort
        return queryset.order_by_extra_field(self.field.pk, sort, descending=is_descending), True


class CompletenessColumn(tables.Column):
    """«Заполненность, %», sorted with the cards nothing is required of last, either way."""

    def order(self, queryset, is_descending):
        key = F("completeness").desc(nulls_last=True) if is_descending else F("completeness").asc(nulls_last=True)
        return queryset.order_by(key, "name", "pk"), True


def completeness_cell(client: Client) -> str:
    if client.completeness is None:
        return EMPTY
    tone = "success" if client.completeness == 100 else "warning" if client.completeness >= 50 else "danger"
    return mark_safe(f'<span class="text-{tone}">{client.completeness:d}&nbsp;%</span>')


def closing_mark(client: Client) -> str:
    """The red mark of a counterparty the register lists as liquidated or closing ("" otherwise)."""
    if not client.is_closing:
        return ""
    return f' <span class="badge text-bg-danger closing-mark">{esc(client.get_registry_status_display())}</span>'


def client_link(client: Client) -> str:
    return mark_safe(
        f'<a href="{esc(url_maker("clients:detail")(client.pk))}">{esc(client.name)}</a>{closing_mark(client)}'
    )


def extra_column_name(field: ExtraField) -> str:
    return field.key


class ClientTable(FastTable):
    # Tick boxes for «Изменить выделенные»; the header's box ticks the whole page (static/crm/crm.js).
    selection = tables.CheckBoxColumn(
        accessor="pk",
        orderable=False,
        attrs={
            "th__input": {
                "class": "form-check-input",
                "data-select-all": "pk",
                "aria-label": _("Выбрать всех на странице"),
            },
            "th": {"class": "client-select"},
        },
    )
    name = tables.Column(verbose_name=_("Наименование"))
    kind = tables.Column(verbose_name=_("Вид"))
    inn = tables.Column(verbose_name=_("ИНН"))
    kpp = tables.Column(verbose_name=_("КПП"))
    business_region = tables.Column(verbose_name=_("Бизнес-регион"), order_by=("business_region__name", "name"))
    responsible = tables.Column(
        verbose_name=_("Ответственный"), order_by=("responsible__last_name", "responsible__first_name", "name")
    )
    segments = tables.Column(verbose_name=_("Сегменты"), orderable=False)
    abc_class = tables.Column(verbose_name=_("ABC"))
    xyz_class = tables.Column(verbose_name=_("XYZ"))
    phone = tables.Column(verbose_name=_("Телефон"), orderable=False, empty_values=())
    email = tables.Column(verbose_name=_("E-mail"), orderable=False, empty_values=())
    created_at = tables.Column(verbose_name=_("Создан"))
    completeness = CompletenessColumn(verbose_name=_("Заполненность"))

    OPTIONAL = OPTIONAL_COLUMNS
    DEFAULT_HIDDEN = ("kpp", "segments", "created_at")

    cells = {
        "selection": lambda c: mark_safe(
            f'<input type="checkbox" name="pk" value="{c.pk:d}" class="form-check-input" aria-label="{esc(c.name)}">'
        ),
        "name": client_link,
        "kind": lambda c: c.get_kind_display(),
        "inn": lambda c: c.inn or EMPTY,
        "kpp": lambda c: c.kpp or EMPTY,
        "business_region": lambda c: c.business_region.name if c.business_region else EMPTY,
        "responsible": lambda c: user_name(c.responsible),
        "segments": lambda c: ", ".join(s.name for s in c.segments.all()) or EMPTY,
        "abc_class": lambda c: c.abc_class or EMPTY,
        "xyz_class": lambda c: c.xyz_class or EMPTY,
        "phone": contact_values(ContactInfoKind.ValueType.PHONE),
        "email": contact_values(ContactInfoKind.ValueType.EMAIL),
        "created_at": lambda c: short_date(localtime(c.created_at)),
        "completeness": completeness_cell,
    }

    def __init__(self, data, *, visible: list[str], extra_fields: list[ExtraField] = (), **kwargs):
        shown = [f for f in extra_fields if extra_column_name(f) in visible]
        extra_columns = [(extra_column_name(f), ExtraFieldColumn(f)) for f in shown]
        super().__init__(data, visible=visible, extra_columns=extra_columns, **kwargs)
        self.extra_fields = shown
        self.cells = {**self.cells, **{extra_column_name(f): self._extra_cell(f) for f in shown}}

    def _extra_cell(self, field: ExtraField):
        def render(client: Client) -> str:
            return extra.display(field, self.page_extra_values.get(client.pk, {}).get(field.pk))

        return render

    @property
    def can_select(self) -> bool:
        """Whether the user may bulk-edit clients (a sales head only reads)."""
        request = getattr(self, "request", None)
        return request is not None and roles.has_any_role(
            request.user, roles.MANAGER, roles.SUPERVISOR, roles.ADMINISTRATOR
        )

    def selection_filter(self) -> str:
        """The list's filter as a query string, for «все N, подходящие под отбор»."""
        query = self.request.GET.copy()
        for name in ("page", "after", "before", "sort", "per_page", "columns"):
            query.pop(name, None)
        return query.urlencode()

    def before_render(self, request) -> None:
        if not self.can_select:
            self.columns.hide("selection")

    def html_rows(self):
        # The phones and e-mails, and the extra values, of the page's clients: a query each.
        clients = [row.record for row in self.page.object_list]
        if any(column.name in ("phone", "email") for column in self.columns):
            attach_listed_contacts(clients)
        ids = [client.pk for client in clients] if self.extra_fields else []
        self.page_extra_values = extra.values_of_clients(ids, self.extra_fields) if ids else {}
        return super().html_rows()

    class Meta(FastTable.Meta):
        model = Client
        fields = ()
        sequence = ("selection", "name", *OPTIONAL_COLUMNS)
        order_by = ("name",)
        empty_text = _("Ничего не найдено. Измените условия отбора.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "client-table"}


ACCEPT, REJECT = _("Принять"), _("Отклонить")


class RecheckTable(FastTable):
    """«Проверка по ИНН»: the open proposals, grouped by client (its name on the first of its rows),
    a tick box each for «Принять выбранные» / «Отклонить выбранные» and a button pair per row."""

    selection = tables.Column(verbose_name="", orderable=False, empty_values=())
    client = tables.Column(verbose_name=_("Клиент"), orderable=False)
    responsible = tables.Column(verbose_name=_("Ответственный"), orderable=False, empty_values=())
    field = tables.Column(verbose_name=_("Реквизит"), orderable=False)
    old_value = tables.Column(verbose_name=_("На карточке"), orderable=False)
    new_value = tables.Column(verbose_name=_("По данным реестра"), orderable=False)
    created_at = tables.Column(verbose_name=_("Найдено"), orderable=False)
    decide = tables.Column(verbose_name="", orderable=False, empty_values=())

    def html_rows(self):
        shown: set[int] = set()

        def first_of_client(render):
            def cell(proposal: RecheckProposal) -> str:
                return render(proposal.client) if proposal.client_id not in shown else ""

            return cell

        cells = {
            **self.cells,
            "client": first_of_client(client_link),
            "responsible": first_of_client(lambda c: user_name(c.responsible)),
        }
        rows = []
        for row in self.page.object_list:
            rows.append(mark_safe("".join(f"<td>{esc(cells[c.name](row.record))}</td>" for c in self.columns)))
            shown.add(row.record.client_id)
        return rows

    cells = {
        "selection": lambda p: mark_safe(
            f'<input type="checkbox" name="proposal" value="{p.pk:d}" class="form-check-input"'
            f' aria-label="{esc(p.get_field_display())}">'
        ),
        "field": lambda p: p.get_field_display(),
        "old_value": lambda p: p.old_value or EMPTY,
        "new_value": lambda p: mark_safe(f"<strong>{esc(p.new_value)}</strong>"),
        "created_at": lambda p: short_date(localtime(p.created_at)),
        "decide": lambda p: mark_safe(
            '<div class="d-flex gap-1">'
            f'<button type="submit" name="accept" value="{p.pk:d}" class="btn btn-sm btn-outline-success">'
            f"{esc(ACCEPT)}</button>"
            f'<button type="submit" name="reject" value="{p.pk:d}" class="btn btn-sm btn-outline-secondary">'
            f"{esc(REJECT)}</button></div>"
        ),
    }

    class Meta(FastTable.Meta):
        model = RecheckProposal
        fields = ()
        sequence = ("selection", "client", "responsible", "field", "old_value", "new_value", "created_at", "decide")
        empty_text = _("Изменений для проверки нет.")
        attrs = {"class": "table table-sm align-middle", "id": "recheck-table"}


def _group_clients(group) -> str:
    """The cards of a group, each a link with its ИНН and responsible manager."""
    lines = []
    for client in group.clients.all():
        manager = user_name(client.responsible) if client.responsible else ""
        extra = ", ".join(part for part in (client.inn, manager) if part)
        lines.append(
            f'<a href="{url_maker("clients:detail")(client.pk)}">{esc(client.name)}</a>'
            + (f' <span class="text-muted small">{esc(extra)}</span>' if extra else "")
        )
    return mark_safe("<br>".join(lines))


def _merge_link(group) -> str:
    ids = [client.pk for client in group.clients.all()]
    if len(ids) < 2:
        return esc(_("объединены"))
    query = "&".join(f"ids={pk}" for pk in ids)
    url = reverse("clients:merge")
    return mark_safe(f'<a class="btn btn-sm btn-outline-primary" href="{url}?{query}">{esc(_("Объединить"))}</a>')


class DuplicateGroupTable(FastTable):
    clients = tables.Column(verbose_name=_("Карточки"), orderable=False, empty_values=())
    reasons = tables.Column(verbose_name=_("Причина"), orderable=False)
    score = tables.Column(verbose_name=_("Сходство"))
    size = tables.Column(verbose_name=_("Карточек"))
    merge = tables.Column(verbose_name="", orderable=False, empty_values=())

    numeric = ("score", "size")
    cells = {
        "clients": _group_clients,
        "reasons": lambda g: esc("; ".join(g.reasons)),
        "score": lambda g: f"{round(g.score * 100)}%",
        "size": lambda g: g.size,
        "merge": _merge_link,
    }

    class Meta(FastTable.Meta):
        fields = ()
        sequence = ("clients", "reasons", "score", "size", "merge")
        order_by = ("-size", "-score")
        empty_text = _("Дублей не найдено.")
        attrs = {"class": "table table-sm table-hover align-middle", "id": "duplicate-table"}
