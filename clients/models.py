from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Count, F, FilteredRelation, Q, Window
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from clients.validators import format_phone
from crm.models import Run


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
    class Meta(Reference.Meta):
        verbose_name = _("Сегмент")
        verbose_name_plural = _("Сегменты")


class ClientQuerySet(models.QuerySet):
    def for_list(self) -> ClientQuerySet:
        """What a list page shows, in a constant number of queries whatever the page size."""
        own_info = ContactInfo.objects.filter(
            contact__isnull=True,
            kind__value_type__in=(ContactInfoKind.ValueType.PHONE, ContactInfoKind.ValueType.EMAIL),
        ).select_related("kind")
        return self.select_related("responsible", "business_region").prefetch_related(
            "segments", models.Prefetch("contact_info", queryset=own_info, to_attr="list_contact_info")
        )

    # Whether the list's order is one no index can give (an extra field's value), so that finding
    # a page means reading every matching client anyway: see page_and_count().
    _sorted_in_full = False

    def _clone(self):
        clone = super()._clone()
        clone._sorted_in_full = self._sorted_in_full
        return clone

    def order_by_extra_field(self, field_id: int, value: str, *, descending: bool) -> ClientQuerySet:
        """Sort by one extra field — `value` is the path under its value row, e.g. "value_number"
        or "value_option__order" — through a LEFT JOIN on that field's values; clients without a
        value last either way, then by name."""
        alias = f"xf{field_id}"
        key = F(f"{alias}__{value}")
        clone = self.alias(
            **{alias: FilteredRelation("extra_values", condition=Q(extra_values__field_id=field_id))}
        ).order_by(key.desc(nulls_last=True) if descending else key.asc(nulls_last=True), "name", "pk")
        clone._sorted_in_full = True
        return clone

    def page_and_count(self, bottom: int, top: int) -> tuple[list[Client], int | None]:
        """Clients `bottom`..`top` of this filtered, sorted list and how many match in all; the
        count is None past the last page.

        Sorted by an extra field, every matching client has to be read to find the page, so the
        page's query counts them as well (COUNT(*) OVER ()) instead of a COUNT(*) that runs the
        filter again, and it reads ids only; the page's 50 clients are then read with their joins
        and prefetches. Sorted any other way, an index gives the page without reading every match,
        which a windowed count would defeat: COUNT(*) and the page, as Django's paginator does."""
        if not self._sorted_in_full or self.query.annotation_select:
            total = self.count()
            if bottom and bottom >= total:
                return [], None
            return list(self[bottom:top]), total
        ids_and_total = self.prefetch_related(None).annotate(list_total=Window(Count("pk")))
        found = list(ids_and_total.values_list("pk", "list_total")[bottom:top])
        if not found:
            return [], 0 if bottom == 0 else None
        ids = [pk for pk, _total in found]
        rows = self.model._default_manager.filter(pk__in=ids)
        rows.query.select_related = self.query.select_related
        rows._prefetch_related_lookups = self._prefetch_related_lookups
        by_id = {row.pk: row for row in rows}
        # A client deleted between the two queries is left out.
        return [by_id[pk] for pk in ids if pk in by_id], found[0][1]

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


class Client(models.Model):
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

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("Клиент")
        verbose_name_plural = _("Клиенты")
        indexes = [
            models.Index(fields=["name", "id"], name="client_name_idx"),
            # Pattern ops serve «ИНН starts with» as well as equality.
            models.Index(fields=["inn"], name="client_inn_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["responsible", "name"], name="client_responsible_idx"),
            models.Index(fields=["business_region", "name"], name="client_region_idx"),
            models.Index(fields=["created_at"], name="client_created_idx"),
            models.Index(fields=["abc_class", "xyz_class"], name="client_abcxyz_idx"),
            models.Index(fields=["completeness", "name", "id"], name="client_completeness_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind="company") | Q(kpp=""), name="client_kpp_only_for_company"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    @property
    def is_company(self) -> bool:
        return self.kind == self.Kind.COMPANY


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
        if self.kind.value_type == ContactInfoKind.ValueType.PHONE:
            return format_phone(self.value)
        return self.value


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


class ClientChange(models.Model):
    """One entry of a client's history: who changed what, when, and through which channel."""

    class Source(models.TextChoices):
        CREATED = "created", _("Создание")
        FORM = "form", _("Карточка")
        BULK = "bulk", _("Групповое изменение")
        IMPORT = "import", _("Загрузка")
        SYSTEM = "system", _("Система")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("Когда"), auto_now_add=True)
    source = models.CharField(_("Как"), max_length=10, choices=Source.choices)
    version = models.PositiveIntegerField(_("Версия"))
    # [{"field": "name", "label": "Наименование", "old": "...", "new": "..."}, ...]
    changes = models.JSONField(_("Изменения"), default=list)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("Изменение клиента")
        verbose_name_plural = _("История изменений клиентов")
        indexes = [models.Index(fields=["client", "-at"], name="clientchange_client_idx")]

    def __str__(self) -> str:
        return f"{self.client_id} v{self.version} {self.at:%Y-%m-%d %H:%M}"

    def entries(self) -> list[dict[str, str]]:
        """The changes with labels in the reader's language, whatever language the writer used."""
        return [{**change, "label": change.get("label") or field_label(change["field"])} for change in self.changes]


# Labels of history entries that are not plain Client fields.
EXTRA_HISTORY_LABELS = {
    "segments": _("Сегменты"),
    "contact_info": _("Контактная информация"),
    "contacts": _("Контактные лица"),
}


def field_label(name: str) -> str:
    if name in EXTRA_HISTORY_LABELS:
        return str(EXTRA_HISTORY_LABELS[name])
    try:
        return str(Client._meta.get_field(name).verbose_name)
    except models.FieldDoesNotExist:
        return name


class FieldGroup(models.Model):
    """A section of the card that a supervisor created («Добавить группу»)."""

    name = models.CharField(_("Наименование"), max_length=150, unique=True)
    order = models.PositiveIntegerField(_("Порядок"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("Группа полей")
        verbose_name_plural = _("Группы полей")

    def __str__(self) -> str:
        return self.name


class ExtraField(models.Model):
    """«Дополнительный реквизит»: a typed field a supervisor added to the card without code."""

    class ValueType(models.TextChoices):
        LIST = "list", _("Список")
        STRING = "string", _("Строка")
        NUMBER = "number", _("Число")
        FLAG = "flag", _("Флажок")
        DATE = "date", _("Дата")

    class AppliesTo(models.TextChoices):
        ALL = "all", _("Все клиенты")
        COMPANIES = "companies", _("Организации")
        INDIVIDUALS = "individuals", _("Физические лица")
        CONTACTS = "contacts", _("Контактные лица")

    name = models.CharField(_("Наименование"), max_length=150)
    value_type = models.CharField(_("Тип значения"), max_length=10, choices=ValueType.choices)
    applies_to = models.CharField(_("Принадлежность"), max_length=12, choices=AppliesTo.choices, default=AppliesTo.ALL)
    group = models.ForeignKey(FieldGroup, on_delete=models.PROTECT, related_name="fields", verbose_name=_("Группа"))
    order = models.PositiveIntegerField(_("Порядок"), default=0)
    required = models.BooleanField(_("Обязательное"), default=False)
    hidden = models.BooleanField(_("Скрыто"), default=False)

    class Meta:
        ordering = ["group__order", "group_id", "order", "id"]
        verbose_name = _("Дополнительное поле")
        verbose_name_plural = _("Дополнительные поля")
        constraints = [
            models.UniqueConstraint(Lower("name"), "applies_to", name="extrafield_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def for_contacts(self) -> bool:
        return self.applies_to == self.AppliesTo.CONTACTS

    @property
    def key(self) -> str:
        """Its name as a form field, a filter, a list column and an import target."""
        return f"extra_{self.pk}"

    def applies_to_client(self, client: Client) -> bool:
        if self.applies_to == self.AppliesTo.ALL:
            return True
        if self.applies_to == self.AppliesTo.COMPANIES:
            return client.kind == Client.Kind.COMPANY
        if self.applies_to == self.AppliesTo.INDIVIDUALS:
            return client.kind == Client.Kind.INDIVIDUAL
        return False


class ExtraFieldOption(models.Model):
    """A value of a list field. A retired value stays on the clients that have it, but is no longer
    offered for new input."""

    field = models.ForeignKey(ExtraField, on_delete=models.CASCADE, related_name="options")
    name = models.CharField(_("Значение"), max_length=150)
    order = models.PositiveIntegerField(_("Порядок"), default=0)
    retired = models.BooleanField(_("Не используется"), default=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("Значение списка")
        verbose_name_plural = _("Значения списка")
        constraints = [models.UniqueConstraint(fields=["field", "name"], name="extrafieldoption_unique_name")]

    def __str__(self) -> str:
        return self.name


class ExtraValue(models.Model):
    """The value of one extra field for one client or contact person, in the column of its type."""

    field = models.ForeignKey(ExtraField, on_delete=models.CASCADE, related_name="values")
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE, related_name="extra_values")
    contact = models.ForeignKey(
        ContactPerson, null=True, blank=True, on_delete=models.CASCADE, related_name="extra_values"
    )
    # NULL, not "", marks an unused typed column (see the one-typed-column check).
    value_text = models.CharField(max_length=1000, null=True, blank=True)  # noqa: DJ001
    value_number = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_bool = models.BooleanField(null=True, blank=True)
    value_option = models.ForeignKey(
        ExtraFieldOption, null=True, blank=True, on_delete=models.PROTECT, related_name="values"
    )

    TYPED_COLUMNS = ("value_text", "value_number", "value_date", "value_bool", "value_option")

    class Meta:
        verbose_name = _("Значение дополнительного поля")
        verbose_name_plural = _("Значения дополнительных полей")
        constraints = [
            models.CheckConstraint(
                condition=Q(client__isnull=False, contact__isnull=True) | Q(client__isnull=True, contact__isnull=False),
                name="extravalue_one_owner",
            ),
            models.CheckConstraint(
                condition=(
                    Q(value_text__isnull=False, value_number=None, value_date=None, value_bool=None, value_option=None)
                    | Q(
                        value_text=None, value_number__isnull=False, value_date=None, value_bool=None, value_option=None
                    )
                    | Q(
                        value_text=None, value_number=None, value_date__isnull=False, value_bool=None, value_option=None
                    )
                    | Q(
                        value_text=None, value_number=None, value_date=None, value_bool__isnull=False, value_option=None
                    )
                    | Q(
                        value_text=None, value_number=None, value_date=None, value_bool=None, value_option__isnull=False
                    )
                ),
                name="extravalue_one_typed_column",
            ),
            # NULL owners never collide, so these are plain (not partial) and serve ON CONFLICT upserts.
            models.UniqueConstraint(fields=["field", "client"], name="extravalue_unique_client"),
            models.UniqueConstraint(fields=["field", "contact"], name="extravalue_unique_contact"),
        ]
        # Filtering and sorting by a field read one of these, never the whole table.
        indexes = [
            models.Index(fields=["field", "value_option", "client"], name="extravalue_option_idx"),
            models.Index(fields=["field", "value_number", "client"], name="extravalue_number_idx"),
            models.Index(fields=["field", "value_date", "client"], name="extravalue_date_idx"),
            models.Index(fields=["field", "value_bool", "client"], name="extravalue_bool_idx"),
            models.Index(fields=["field", "value_text", "client"], name="extravalue_text_idx"),
            models.Index(fields=["client", "field"], name="extravalue_client_idx"),
            models.Index(fields=["contact", "field"], name="extravalue_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.field_id}: {self.value}"

    @property
    def value(self):
        for column in self.TYPED_COLUMNS:
            if column == "value_option":
                if self.value_option_id is not None:
                    return self.value_option
            elif getattr(self, column) is not None:
                return getattr(self, column)
        return None


class BulkEditRun(Run):
    """One «Изменить выделенные»: what to set on which clients, and how it went. A large run goes to
    a Celery job; the stored state lets a retried or duplicated job do the work once."""

    job = "clients.bulk_edit_clients"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Автор")
    )
    # {"ids": [client ids], "filter": "<the list's query string>" or "", "changes": {...}}
    # (see services.BulkChanges.to_json)
    parameters = models.JSONField(_("Параметры"), default=dict)
    total = models.PositiveIntegerField(_("Выбрано"), default=0)
    changed = models.PositiveIntegerField(_("Изменено"), default=0)
    skipped = models.PositiveIntegerField(_("Пропущено"), default=0)
    # The first few clients that the author may not edit, to name them on the result page.
    skipped_names = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Групповое изменение клиентов")
        verbose_name_plural = _("Групповые изменения клиентов")

    def __str__(self) -> str:
        return f"{self.pk} {self.state} {self.changed}/{self.total}"

    def get_absolute_url(self) -> str:
        return reverse("clients:bulk_edit_run", args=[self.pk])


def _import_file_path(instance: ClientImport, filename: str) -> str:
    # A random name: the user's file name never reaches the file system, and nobody can guess it.
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"imports/{uuid.uuid4().hex}{suffix}"


class ClientImport(models.Model):
    """«Загрузка клиентов»: a file uploaded by a user, kept between mapping its columns and importing
    it; the file is deleted after the import and the row keeps the report."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "xlsx"
        CSV = "csv", "csv"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to=_import_file_path, blank=True)
    original_name = models.CharField(_("Файл"), max_length=255)
    file_format = models.CharField(max_length=4, choices=Format.choices)
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    # The mapping used for the import: {column index: target}.
    mapping = models.JSONField(default=dict)
    # {"created": n, "updated": n, "unchanged": n, "errors": [{"row": n, "name": "...", "reasons": [...]}]}
    report = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Загрузка клиентов")
        verbose_name_plural = _("Загрузки клиентов")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("clients:import_detail", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def _export_file_path(instance: ClientExport, filename: str) -> str:
    return f"exports/{uuid.uuid4().hex}.xlsx"


class ClientExport(Run):
    """A large «Excel» of the client list, written by a Celery job; its author downloads the file
    from the export's page once it is ready."""

    job = "clients.export_clients"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The list's query string (filter and sort) and the columns as (name, header) pairs.
    query = models.TextField(blank=True)
    columns = models.JSONField(default=list)
    total = models.PositiveIntegerField(_("Клиентов"), default=0)
    rows = models.PositiveIntegerField(_("Выгружено"), default=0)
    file = models.FileField(upload_to=_export_file_path, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Выгрузка клиентов")
        verbose_name_plural = _("Выгрузки клиентов")

    def __str__(self) -> str:
        return f"{self.pk} {self.state} {self.rows}/{self.total}"

    def get_absolute_url(self) -> str:
        return reverse("clients:export_detail", args=[self.pk])
