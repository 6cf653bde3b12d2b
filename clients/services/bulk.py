"""«Изменить выделенные»: many clients at once, in the request or as a Celery job (a stored run),
written by the client writer."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from clients import access as client_access
from clients import extra_fields
from clients.models import BulkEditRun, Client, ClientChange, ExtraField, Segment
from clients.services import history
from clients.services.writer import ClientChangeSet, write
from crm import runs

# Fields that a bulk change may set.
BULK_FIELDS = ("responsible", "business_region", "abc_class", "xyz_class", "kind")

BULK_EDIT_BATCH = 1000
# Up to this many clients a bulk edit runs in the request; above it, a Celery job does it
# (settings.CLIENTS_BULK_EDIT_SYNC_LIMIT overrides).
BULK_EDIT_SYNC_LIMIT = 1000
# How many of the clients skipped for lack of rights the result names.
SKIPPED_NAMES_SHOWN = 5


class BulkEditError(Exception):
    """A bulk edit that cannot be done as asked; the message says why, for the user."""


@dataclass
class BulkChanges:
    """What «Изменить выделенные» sets: built-in fields (None or "" clears), extra fields of
    clients (None clears), and a segment to add or to remove."""

    builtin: dict[str, object] = dataclass_field(default_factory=dict)
    extra: dict[ExtraField, object] = dataclass_field(default_factory=dict)
    add_segment: Segment | None = None
    remove_segment: Segment | None = None

    def is_empty(self) -> bool:
        return not (self.builtin or self.extra or self.add_segment or self.remove_segment)

    def to_json(self) -> dict:
        """JSON-safe, for a stored run: primary keys for objects, text for numbers and dates."""
        return {
            "builtin": {name: getattr(value, "pk", value) for name, value in self.builtin.items()},
            "extra": {str(field.pk): extra_fields.to_json(field, value) for field, value in self.extra.items()},
            "add_segment": self.add_segment.pk if self.add_segment else None,
            "remove_segment": self.remove_segment.pk if self.remove_segment else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> BulkChanges:
        """The changes a run stored; raises BulkEditError when something they name is gone."""
        builtin = {}
        for name, value in data.get("builtin", {}).items():
            model_field = Client._meta.get_field(name)
            if model_field.is_relation and value is not None:
                value = model_field.related_model.objects.filter(pk=value).first()
                if value is None:
                    raise BulkEditError(
                        _("Значение поля «%(field)s» удалено, пока шло изменение.")
                        % {"field": model_field.verbose_name}
                    )
            builtin[name] = value
        raw_extra = data.get("extra", {})
        fields = ExtraField.objects.filter(pk__in=[int(k) for k in raw_extra]).prefetch_related("options")
        fields = {f.pk: f for f in fields} if raw_extra else {}
        extra = {}
        for key, value in raw_extra.items():
            field = fields.get(int(key))
            if field is None:
                raise BulkEditError(_("Дополнительное поле удалено, пока шло изменение."))
            try:
                extra[field] = extra_fields.from_json(field, value)
            except LookupError:
                raise BulkEditError(
                    _("Значение списка поля «%(field)s» удалено, пока шло изменение.") % {"field": field.name}
                )
        add, remove = data.get("add_segment"), data.get("remove_segment")
        wanted = [pk for pk in (add, remove) if pk is not None]
        segments = {s.pk: s for s in Segment.objects.filter(pk__in=wanted, kind=Segment.Kind.MANUAL)} if wanted else {}
        if (add is not None and add not in segments) or (remove is not None and remove not in segments):
            raise BulkEditError(_("Сегмент удалён, пока шло изменение."))
        return cls(builtin, extra, segments.get(add), segments.get(remove))


@dataclass
class BulkEditResult:
    total: int = 0  # the selected clients that exist
    changed: int = 0
    skipped: int = 0  # the user may not edit them
    skipped_names: list[str] = dataclass_field(default_factory=list)
    kept: int = 0  # changed by someone after the run was asked for: their values stay
    kept_names: list[str] = dataclass_field(default_factory=list)


def _kind_conflicts(client: Client, kind: str) -> bool:
    """Whether the client's ИНН or КПП cannot stay as they are under the other kind."""
    if kind == client.kind:
        return False
    if kind == Client.Kind.INDIVIDUAL:
        return bool(client.kpp) or len(client.inn) == 10
    return len(client.inn) == 12


@transaction.atomic
def bulk_edit_clients(
    client_ids: Iterable[int],
    changes: BulkChanges,
    *,
    user,
    on_progress: Callable[[int], None] | None = None,
    since: datetime.datetime | None = None,
) -> BulkEditResult:
    """«Изменить выделенные»: apply the same changes to many clients, all or nothing. Clients the
    user may not edit are skipped and counted; unknown ids are ignored. Every client that actually
    changes gets its version bumped and one history entry listing all its changes. A few
    statements per 1,000 clients, whatever the number of fields.

    `since` is when the change was asked for: a field that someone changed on a client after that
    (its history says so) keeps their value — a run that starts late merges by field, as a card
    save does, instead of overwriting newer work. Such clients are counted in `kept`."""
    unknown = set(changes.builtin) - set(BULK_FIELDS)
    if unknown:
        raise ValueError(f"fields not settable in bulk: {sorted(unknown)}")
    if any(field.for_contacts for field in changes.extra):
        raise ValueError("contact person fields are not set on clients")
    ids = sorted(set(client_ids))
    result = BulkEditResult()
    # History text is stored once, in the site's language, whoever made the change.
    with override(settings.LANGUAGE_CODE):
        for start in range(0, len(ids), BULK_EDIT_BATCH):
            _bulk_edit_batch(ids[start : start + BULK_EDIT_BATCH], changes, user=user, result=result, since=since)
            if on_progress is not None:
                on_progress(min(start + BULK_EDIT_BATCH, len(ids)))
    return result


def _changed_since(ids: list[int], since: datetime.datetime | None) -> dict[int, set[str]]:
    """{client id: the history keys of the fields changed after `since`} for the clients of `ids`."""
    if since is None:
        return {}
    changed = defaultdict(set)
    for client_id, entries in ClientChange.objects.filter(client_id__in=ids, at__gt=since).values_list(
        "client_id", "changes"
    ):
        changed[client_id].update(entry.get("field") for entry in entries)
    return changed


def _unchanged_part(changes: BulkChanges, newer: set[str]) -> BulkChanges:
    """The changes without the fields in `newer` (history keys)."""
    return BulkChanges(
        {name: value for name, value in changes.builtin.items() if name not in newer},
        {field: value for field, value in changes.extra.items() if history.extra_key(field) not in newer},
        None if "segments" in newer else changes.add_segment,
        None if "segments" in newer else changes.remove_segment,
    )


def _bulk_edit_batch(
    ids: list[int], changes: BulkChanges, *, user, result: BulkEditResult, since: datetime.datetime | None
) -> None:
    related = [name for name in changes.builtin if name in ("responsible", "business_region")]
    clients = list(
        Client.objects.filter(pk__in=ids).order_by("pk").select_for_update(of=("self",)).select_related(*related)
    )
    result.total += len(clients)
    editable = []
    for client in clients:
        if client_access.works_with(client, user):
            editable.append(client)
        else:
            result.skipped += 1
            if len(result.skipped_names) < SKIPPED_NAMES_SHOWN:
                result.skipped_names.append(client.name)
    newer = _changed_since([c.pk for c in editable], since)
    wanted = {}
    for client in editable:
        wanted[client] = _unchanged_part(changes, newer[client.pk]) if client.pk in newer else changes
        if wanted[client] != changes:
            result.kept += 1
            if len(result.kept_names) < SKIPPED_NAMES_SHOWN:
                result.kept_names.append(client.name)
    if "kind" in changes.builtin:
        conflicts = [
            c.name for c in editable if "kind" in wanted[c].builtin and _kind_conflicts(c, changes.builtin["kind"])
        ]
        if conflicts:
            raise BulkEditError(
                _(
                    "Вид нельзя изменить на «%(kind)s»: ИНН или КПП не подходят у клиентов: %(names)s. "
                    "Исправьте их карточки или уберите их из выбора."
                )
                % {
                    "kind": Client.Kind(changes.builtin["kind"]).label,
                    "names": ", ".join(conflicts[:SKIPPED_NAMES_SHOWN])
                    + (f" (+{len(conflicts) - SKIPPED_NAMES_SHOWN})" if len(conflicts) > SKIPPED_NAMES_SHOWN else ""),
                }
            )
    change_sets = [
        ClientChangeSet(
            client,
            fields=dict(own.builtin),
            extra=_applicable(own.extra, own.builtin.get("kind", client.kind)),
            add_segments={own.add_segment} if own.add_segment else set(),
            remove_segments={own.remove_segment} if own.remove_segment else set(),
        )
        for client, own in wanted.items()
    ]
    result.changed += len(write(change_sets, user=user, source=ClientChange.Source.BULK).changed)


def _applicable(values: dict[ExtraField, object], kind: str) -> dict[ExtraField, object]:
    """The extra values that concern a client of this kind (the kind it will have)."""
    probe = Client(kind=kind)
    return {field: value for field, value in values.items() if field.applies_to_client(probe)}


def bulk_edit_sync_limit() -> int:
    return getattr(settings, "CLIENTS_BULK_EDIT_SYNC_LIMIT", BULK_EDIT_SYNC_LIMIT)


def create_bulk_edit_run(
    client_ids: Sequence[int], changes: BulkChanges, *, user, filter_query: str = ""
) -> BulkEditRun:
    """Store what to change on which clients; execute_bulk_edit_run does it."""
    if changes.is_empty():
        raise ValueError("nothing to change")
    return BulkEditRun.objects.create(
        author=user,
        parameters={"ids": list(client_ids), "filter": filter_query, "changes": changes.to_json()},
        total=len(client_ids),
    )


def start_bulk_edit(client_ids: Sequence[int], changes: BulkChanges, *, user, filter_query: str = "") -> BulkEditRun:
    """«Изменить выделенные» as the page asks for it: a stored run, queued for a Celery job when it
    is large (crm.runs.QueueUnavailable when the queue is down: then nothing is kept), or done here
    and now."""
    with transaction.atomic():
        run = create_bulk_edit_run(client_ids, changes, user=user, filter_query=filter_query)
        background = runs_in_background(run)
        if background:
            runs.queue(run)
    if not background:
        execute_bulk_edit_run(run.pk)
    return run


def runs_in_background(run: BulkEditRun) -> bool:
    """Large runs go to a Celery job, so that the request does not wait for them."""
    return run.total > bulk_edit_sync_limit()


def bulk_edit_progress(run: BulkEditRun) -> int:
    """How many of the run's clients are processed."""
    return run.total if run.finished else runs.progress(run)


def execute_bulk_edit_run(run_id: int) -> BulkEditRun | None:
    """Do a stored run, once (crm.runs.execute): a duplicated or retried job finds it taken or
    finished and does nothing, while a run whose worker died (its transaction rolled back) is
    failed by the sweep. Returns the run if this call did it."""

    def work(run: BulkEditRun) -> None:
        if run.author is None:
            raise BulkEditError(_("Автор изменения удалён."))
        result = bulk_edit_clients(
            run.parameters.get("ids", []),
            BulkChanges.from_json(run.parameters.get("changes", {})),
            user=run.author,
            on_progress=lambda done: runs.report_progress(BulkEditRun, run_id, done),
            since=run.created_at,
        )
        run.total, run.changed, run.skipped = result.total, result.changed, result.skipped
        run.skipped_names = result.skipped_names
        run.kept, run.kept_names = result.kept, result.kept_names

    return runs.execute(
        BulkEditRun,
        run_id,
        work,
        refusals=(BulkEditError,),
        failure=_("Не удалось выполнить изменение из-за ошибки на сервере."),
        related=["author"],
    )
