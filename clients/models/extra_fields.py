"""Extra fields (typed EAV): the card's sections, the fields a supervisor added, the values of a list
field, and each client's or contact person's value in the column of its type."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from clients.models.clients import Client, ContactPerson


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

    @cached_property
    def option_list(self) -> list[ExtraFieldOption]:
        """Its list values in their order (the retired ones too). clients.extra_fields.definitions()
        loads them for all fields in one query, as a plain list: a prefetch into `options` would
        build a filtered queryset per field, 0.1 ms each, more than the query itself."""
        return list(self.options.all())

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
