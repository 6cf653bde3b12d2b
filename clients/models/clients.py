"""Clients, their contact persons and contact information, and the short lists a client is filed
under (business regions, segments); what «Заполненность» requires of them."""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import F, FilteredRelation, IntegerField, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from clients.validators import format_phone
from crm import paging
from crm.choices import ChoiceLabels
from crm.exchange import ExternalKey, external_key_unique
from crm.per_row import per_row_rows
from crm.reversing import url_maker


class Reference(models.Model):
    """A short user-maintained list of names (regions, segments)."""

    name = models.CharField(_("Наименование"), max_length=150, unique=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessRegion(Reference):
    """«Бизнес-регион»: a sales territory, not necessarily an administrative one."""

    class Meta(Reference.Meta):
        verbose_name = _("Бизнес-регион")
        verbose_name_plural = _("Бизнес-регионы")


class Segment(Reference):
    """«Сегмент»: hand-picked (its clients are listed on their cards) or dynamic — a saved filter of
    the client list, evaluated when used (clients.segments)."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Вручную")
        DYNAMIC = "dynamic", _("Динамически, по отбору")

    kind = models.CharField(
        _("Способ формирования"), max_length=10, choices=Kind.choices, default=Kind.MANUAL, db_default=Kind.MANUAL
    )
    # A dynamic segment's filter: the client list's query string (built-in and extra fields' filters).
    query = models.TextField(_("Отбор"), blank=True, default="", db_default="")

    class Meta(Reference.Meta):
        verbose_name = _("Сегмент")
        verbose_name_plural = _("Сегменты")


class ClientQuerySet(models.QuerySet):
    def for_list(self, columns: Collection[str] | None = None) -> ClientQuerySet:
        """What a list page shows, in a constant number of queries whatever the page size; only
        what the shown `columns` need (all of it when None): a hidden column costs no join and no
        query. The phones and e-mails come with attach_listed_contacts(), per page or chunk."""

        def shown(name: str) -> bool:
            return columns is None or name in columns

        rows = self
        joined = [name for name in ("responsible", "business_region") if shown(name)]
        if joined:  # (select_related() with no names would join every relation)
            rows = rows.select_related(*joined)
        if shown("segments"):
            rows = rows.prefetch_related("segments")
        return rows

    # The list's sort by an extra field (order_by_extra_field's field id, value path, direction):
    # such a list is paged by page_and_count(), not by crm.paging's keyset.
    _extra_sort: tuple[int, str, bool] | None = None

    def _clone(self):
        clone = super()._clone()
        clone._extra_sort = self._extra_sort
        return clone

    @property
    def _sorted_by_extra(self) -> bool:
        return self._extra_sort is not None

    def order_by_extra_field(self, field_id: int, value: str, *, descending: bool) -> ClientQuerySet:
        """Sort by one extra field — `value` is the path under its value row, e.g. "value_number"
        or "value_option__order" — through a LEFT JOIN on that field's values; clients without a
        value last either way, then by name."""
        alias = f"xf{field_id}"
        key = F(f"{alias}__{value}")
        clone = self.alias(
            **{alias: FilteredRelation("extra_values", condition=Q(extra_values__field_id=field_id))}
        ).order_by(key.desc(nulls_last=True) if descending else key.asc(nulls_last=True), "name", "pk")
        clone._extra_sort = (field_id, value, descending)
        return clone

    def page_and_count(self, bottom: int, top: int) -> tuple[list[Client], int | None]:
        """Clients `bottom`..`top` of this filtered, sorted list and how many match in all (a
        crm.paging.Found, «около N» beyond LIST_EXACT_COUNT_UP_TO); the count is None past the last
        page.

        Sorted by an extra field, the page is read in two parts, so that an index gives each in
        order and the reading stops at the page: the clients with a value, walking the field's
        value index (extravalue_number_idx and the like) and testing the filter client by client
        (crm.per_row); then, when the page reaches past them, the clients without one, by name.
        The first part's query brings the count along (a subquery run once), so the filter is not
        run by a query of its own; the page's clients are then read with their joins and
        prefetches. Sorted any other way: COUNT(*) and the page, as Django's paginator does."""
        if self._extra_sort is None or self.query.annotation_select:
            total = self.count()
            if bottom and bottom >= total:
                return [], None
            return list(self[bottom:top]), total
        field_id, value, descending = self._extra_sort
        key = f"xf{field_id}__{value}"
        limit = paging.exact_count_limit()
        counting, params = self.order_by().values("pk")[: limit + 1].query.sql_with_params()
        bounded = RawSQL(f"SELECT COUNT(*) FROM ({counting}) AS bounded", params, output_field=IntegerField())
        valued = self.prefetch_related(None).filter(**{f"{key}__isnull": False})
        valued = valued.order_by(F(key).desc() if descending else F(key).asc(), "name", "pk")
        walked = per_row_rows(valued)  # each client tested as the index is walked
        found = list(walked.annotate(list_total=bounded).values_list("pk", "list_total")[bottom:top])
        total = found[0][1] if found else self.order_by().values("pk")[: limit + 1].count()
        if total > limit:
            total = paging.Found(paging.rounded(max(paging.planned_count(self), limit + 1)), estimated=True)
        ids = [pk for pk, _total in found]
        if len(ids) < top - bottom and (getattr(total, "estimated", False) or bottom + len(ids) < total):
            # The page reaches the clients without a value: they follow the others, by name.
            before = bottom + len(ids) if ids else valued.count()
            without = self.prefetch_related(None).filter(**{f"{key}__isnull": True}).order_by("name", "pk")
            without = per_row_rows(without)
            ids += without.values_list("pk", flat=True)[max(0, bottom - before) : top - before]
        if not ids:
            return [], 0 if bottom == 0 else None
        rows = self.model._default_manager.filter(pk__in=ids)
        rows.query.select_related = self.query.select_related
        rows._prefetch_related_lookups = self._prefetch_related_lookups
        by_id = {row.pk: row for row in rows}
        # A client deleted between the queries is left out.
        return [by_id[pk] for pk in ids if pk in by_id], total

    def for_card(self) -> ClientQuerySet:
        return self.select_related("responsible", "business_region").prefetch_related(
            "segments",
            models.Prefetch(
                "contact_info",
                queryset=ContactInfo.objects.filter(contact__isnull=True).select_related("kind"),
                to_attr="own_contact_info",
            ),
            models.Prefetch(
                "contacts",
                queryset=ContactPerson.objects.prefetch_related(
                    models.Prefetch("contact_info", queryset=ContactInfo.objects.select_related("kind"))
                ),
            ),
        )


class ClientManager(models.Manager.from_queryset(ClientQuerySet)):
    """The clients every page, list, report and count sees: a card merged into another
    (`merged_into`, kept for the merge's undo) is hidden; `Client.all_objects` sees it too."""

    def get_queryset(self) -> ClientQuerySet:
        return super().get_queryset().filter(merged_into__isnull=True)


class Client(ExternalKey, ChoiceLabels):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Организация")
        INDIVIDUAL = "individual", _("Физическое лицо")

    class ABC(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"

    class XYZ(models.TextChoices):
        X = "X", "X"
        Y = "Y", "Y"
        Z = "Z", "Z"

    class RegistryStatus(models.TextChoices):
        """The counterparty's state in the state register, as «Проверка по ИНН» last found it."""

        ACTIVE = "active", _("Действующая")
        LIQUIDATING = "liquidating", _("В процессе ликвидации")
        LIQUIDATED = "liquidated", _("Ликвидирована")
        BANKRUPT = "bankrupt", _("Банкротство")
        REORGANIZING = "reorganizing", _("Реорганизация")

    kind = models.CharField(_("Вид"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("Наименование"), max_length=255)
    full_name = models.CharField(_("Полное наименование"), max_length=500, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True)
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    business_region = models.ForeignKey(
        BusinessRegion, verbose_name=_("Бизнес-регион"), null=True, blank=True, on_delete=models.PROTECT
    )
    legal_address = models.CharField(_("Юридический адрес"), max_length=500, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Ответственный менеджер"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clients",
    )
    segments = models.ManyToManyField(Segment, verbose_name=_("Сегменты"), blank=True, related_name="clients")
    abc_class = models.CharField(_("ABC-класс"), max_length=1, choices=ABC.choices, blank=True)
    xyz_class = models.CharField(_("XYZ-класс"), max_length=1, choices=XYZ.choices, blank=True)
    comment = models.TextField(_("Комментарий"), blank=True)
    created_at = models.DateTimeField(_("Создан"), auto_now_add=True)
    updated_at = models.DateTimeField(_("Изменён"), auto_now=True)
    # Optimistic locking: every save bumps it, a save from a stale form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    # «Заполненность»: the share of the required properties, contact information and extra fields
    # that are filled (clients.completeness.recompute keeps it); None while nothing is required.
    completeness = models.PositiveSmallIntegerField(_("Заполненность, %"), null=True, blank=True, editable=False)
    # A fact of the register, not a proposal: «Проверка по ИНН» sets it (clients.services.recheck).
    registry_status = models.CharField(
        _("Состояние по ЕГРЮЛ"),
        max_length=12,
        choices=RegistryStatus.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )
    # The card this one was merged into (clients.services.merging): hidden everywhere, kept for undo.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # merged_client_idx: the few merged cards only
        verbose_name=_("Объединён с"),
    )

    objects = ClientManager()
    all_objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Клиент")
        verbose_name_plural = _("Клиенты")
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["name", "id"], name="client_name_idx"),
            # Pattern ops serve «ИНН starts with» as well as equality.
            models.Index(fields=["inn"], name="client_inn_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["responsible", "name"], name="client_responsible_idx"),
            models.Index(fields=["business_region", "name"], name="client_region_idx"),
            models.Index(fields=["created_at"], name="client_created_idx"),
            models.Index(fields=["abc_class", "xyz_class"], name="client_abcxyz_idx"),
            models.Index(fields=["completeness", "name", "id"], name="client_completeness_idx"),
            models.Index(fields=["merged_into"], name="merged_client_idx", condition=Q(merged_into__isnull=False)),
            # Counting the cards a list shows (all but merged ones) from the index alone: the
            # unfiltered list's count of up to 100,001 rows, 41 → 17 ms at size L.
            models.Index(fields=["id"], name="client_live_idx", condition=Q(merged_into__isnull=True)),
            # The list filtered by «Состояние по ЕГРЮЛ» (the few liquidated), in its order by name.
            models.Index(fields=["registry_status", "name", "id"], name="client_registry_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind="company") | Q(kpp=""), name="client_kpp_only_for_company"),
            external_key_unique("client_external_key"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return url_maker("clients:detail")(self.pk)

    @property
    def is_company(self) -> bool:
        return self.kind == self.Kind.COMPANY

    @property
    def is_closing(self) -> bool:
        """Liquidated, being liquidated or bankrupt: the card and the list mark it red."""
        return self.registry_status in CLOSING_STATUSES


CLOSING_STATUSES = frozenset(
    {Client.RegistryStatus.LIQUIDATING, Client.RegistryStatus.LIQUIDATED, Client.RegistryStatus.BANKRUPT}
)


class ContactPerson(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("Клиент"))
    name = models.CharField(_("ФИО"), max_length=255)
    position = models.CharField(_("Должность, роль"), max_length=255, blank=True)
    notes = models.TextField(_("Заметки"), blank=True)
    created_at = models.DateTimeField(_("Создано"), auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Контактное лицо")
        verbose_name_plural = _("Контактные лица")

    def __str__(self) -> str:
        return self.name


class ContactInfoKind(models.Model):
    """«Вид контактной информации»: user-extensible; its type decides how values are checked."""

    class ValueType(models.TextChoices):
        EMAIL = "email", _("Адрес электронной почты")
        PHONE = "phone", _("Телефон")
        ADDRESS = "address", _("Адрес")
        URL = "url", _("Веб-страница")
        TEXT = "text", _("Другое")

    name = models.CharField(_("Наименование"), max_length=150, unique=True)
    value_type = models.CharField(_("Тип"), max_length=10, choices=ValueType.choices)
    for_clients = models.BooleanField(_("Для клиентов"), default=True)
    for_contacts = models.BooleanField(_("Для контактных лиц"), default=True)
    order = models.PositiveIntegerField(_("Порядок"), default=0)
    # A client without a value of this kind is not complete («Заполненность»).
    required = models.BooleanField(_("Обязательно для заполнения"), default=False)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("Вид контактной информации")
        verbose_name_plural = _("Виды контактной информации")

    def __str__(self) -> str:
        return self.name


class ContactInfo(models.Model):
    """A value of contact information. A contact person's values also carry its client, so that a
    search by phone or e-mail finds the client through one index."""

    kind = models.ForeignKey(ContactInfoKind, on_delete=models.PROTECT, verbose_name=_("Вид"))
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contact_info")
    contact = models.ForeignKey(
        ContactPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_info"
    )
    value = models.CharField(_("Значение"), max_length=500)
    comment = models.CharField(_("Комментарий"), max_length=255, blank=True)
    # Left out of «Рассылка» (clients.services.mailing).
    no_mailing = models.BooleanField(_("Не отправлять рассылки"), default=False, db_default=False)

    class Meta:
        ordering = ["kind__order", "id"]
        verbose_name = _("Контактная информация")
        verbose_name_plural = _("Контактная информация")
        indexes = [
            models.Index(fields=["client", "contact"], name="contactinfo_owner_idx"),
            models.Index(fields=["value"], name="contactinfo_value_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.display_value}"

    def save(self, *args, **kwargs):
        if self.contact_id is not None:
            self.client_id = self.contact.client_id
        super().save(*args, **kwargs)

    @property
    def display_value(self) -> str:
        return self.shown(self.value, self.kind.value_type)

    @staticmethod
    def shown(value: str, value_type: str) -> str:
        """A stored value as people read it: a phone formatted, anything else as it is."""
        if value_type == ContactInfoKind.ValueType.PHONE:
            return format_phone(value)
        return value


class ListedContact(NamedTuple):
    value_type: str
    value: str


def attach_listed_contacts(clients: list[Client]) -> None:
    """Give each of `clients` its own phones and e-mails (not its contact persons') as
    `list_contact_info`, in the card's order: (value type, value) pairs read in one query for a
    page or an export chunk — a prefetch by hand, without an object per value."""
    by_client: dict[int, list[ListedContact]] = {client.pk: [] for client in clients}
    if by_client:
        rows = (
            ContactInfo.objects.filter(
                client_id__in=list(by_client),
                contact__isnull=True,
                kind__value_type__in=(ContactInfoKind.ValueType.PHONE, ContactInfoKind.ValueType.EMAIL),
            )
            .order_by("kind__order", "id")
            .values_list("client_id", "kind__value_type", "value")
        )
        for client_id, value_type, value in rows:
            by_client[client_id].append(ListedContact(value_type, value))
    for client in clients:
        client.list_contact_info = by_client[client.pk]


class RequiredProperty(models.Model):
    """A built-in property of the client that must be filled («Заполненность»): one row per
    property name of clients.completeness.PROPERTIES."""

    name = models.CharField(_("Реквизит"), max_length=30, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Обязательный реквизит клиента")
        verbose_name_plural = _("Обязательные реквизиты клиентов")

    def __str__(self) -> str:
        return self.name
