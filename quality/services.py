"""The completeness wizards' engine: who lacks what (step 3), how the work is shared out (step 4)
and the tasks it makes (step 5, a Celery job through quality.jobs)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import cycle

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients import completeness
from clients import extra_fields as extra
from clients.filters import ClientFilterSet
from clients.models import Client, ContactPerson, ExtraField
from crm import paging, runs
from crm.per_row import per_row
from quality.models import WizardRun
from tasks import services as task_services
from tasks.models import Task

INSERT_BATCH = 5_000
# Step 3's count (selection_count): the clients tested for an estimate, and up to how many the
# count is exact.
DEFAULT_COUNT_SAMPLE = 10_000
DEFAULT_EXACT_COUNT_UP_TO = 10_000
TASK_KINDS = {WizardRun.Kind.CONTACT_INFO: Task.Kind.CONTACT_INFO, WizardRun.Kind.PROPERTIES: Task.Kind.PROPERTIES}


class WizardError(Exception):
    """Something the user must change before tasks can be made; the message is for them."""


# --- step 2: «Настройка отбора» ------------------------------------------------------------------


def filterset(run: WizardRun, data: QueryDict | None = None) -> ClientFilterSet:
    """The client list's filter, as the run stores it (or with `data` being submitted)."""
    data = data if data is not None else QueryDict(run.filter_query)
    fields = extra.client_definitions()
    return ClientFilterSet(data or None, queryset=Client.objects.all(), extra_fields=fields)


def base_clients(run: WizardRun) -> QuerySet[Client]:
    """The clients the run looks at: the filter's, or the whole base when it is empty."""
    chosen = filterset(run)
    clients = chosen.qs if chosen.is_bound and chosen.is_valid() else Client.objects.all()
    if run.contact_name:
        clients = clients.filter(contacts__name__icontains=run.contact_name).distinct()
    return clients


def base_contacts(run: WizardRun) -> QuerySet[ContactPerson]:
    contacts = ContactPerson.objects.filter(client__in=base_clients(run).values("pk"))
    if run.contact_name:
        contacts = contacts.filter(name__icontains=run.contact_name)
    return contacts


# --- step 3: who lacks what ------------------------------------------------------------------------


def lacking_clients(run: WizardRun) -> QuerySet[Client]:
    return completeness.lacking_any(base_clients(run), run.client_checks)


def lacking_contacts(run: WizardRun) -> QuerySet[ContactPerson]:
    return completeness.lacking_any(base_contacts(run), run.contact_checks, of_contacts=True)


def selection_condition(run: WizardRun) -> Q:
    """True for a client of the base that lacks something itself or through a contact person
    (NOT EXISTS / EXISTS on the client's own rows, not IN over the whole selection)."""
    condition = Q()
    for check in run.client_checks:
        condition |= completeness.lacking_condition(check)
    if run.contact_checks:
        contacts = ContactPerson.objects.filter(client=OuterRef("pk"))
        if run.contact_name:
            contacts = contacts.filter(name__icontains=run.contact_name)
        condition |= Q(Exists(completeness.lacking_any(contacts, run.contact_checks, of_contacts=True)))
    return condition or Q(pk__in=[])


def clients_in_selection(run: WizardRun) -> QuerySet[Client]:
    """Clients that lack something themselves or through a contact person, by name: step 3's
    list is paged by client, a client's contact persons shown under it. Each client is tested as
    the names are walked (crm.per_row), so that a page is found without working out the whole
    selection first."""
    return base_clients(run).filter(per_row(selection_condition(run))).order_by("name", "pk")


def selection_count(run: WizardRun) -> int:
    """How many clients step 3 lists: exact while cheap, else an estimate (crm.paging.Found).

    The first `WIZARD_COUNT_SAMPLE` clients of the base (by id) are tested; when the base has no
    more, that is the count. Otherwise the share found in the sample times the planner's estimate
    of the base gives the estimate; a small one (up to `WIZARD_EXACT_COUNT_UP_TO`) is counted
    exactly (reading the whole base to be sure), a larger one is shown as «около N». The task
    generation never uses this figure: it selects for itself (selection())."""
    sample_size, exact_up_to = count_sample(), exact_count_limit()
    base = base_clients(run)
    sample = base.order_by("pk").values("pk")[:sample_size]
    tested = Client.objects.filter(pk__in=sample).aggregate(
        clients=Count("pk"), lacking=Count("pk", filter=per_row(selection_condition(run)))
    )
    if tested["clients"] < sample_size:
        return tested["lacking"]
    estimate = round(tested["lacking"] / tested["clients"] * paging.planned_count(base))
    if estimate <= exact_up_to:
        found = paging.bounded_count(base.filter(selection_condition(run)), exact_up_to)
        if found is not None:
            return found
    return paging.Found(paging.rounded(max(estimate, exact_up_to + 1)), estimated=True)


def count_sample() -> int:
    return getattr(settings, "WIZARD_COUNT_SAMPLE", DEFAULT_COUNT_SAMPLE)


def exact_count_limit() -> int:
    return getattr(settings, "WIZARD_EXACT_COUNT_UP_TO", DEFAULT_EXACT_COUNT_UP_TO)


@dataclass
class Row:
    """A line of step 3: a client or one of its contact persons, and what it lacks."""

    key: str  # "c<id>" or "p<id>", as stored in WizardRun.excluded
    client: Client
    contact: ContactPerson | None
    missing: list[str]
    ticked: bool


def rows_of_page(run: WizardRun, clients: list[Client]) -> list[Row]:
    """The rows of one page of clients: each client if it lacks something, then its contact
    persons that do; a constant number of queries."""
    ids = [c.pk for c in clients]
    contacts: dict[int, list[ContactPerson]] = defaultdict(list)
    if run.contact_checks:
        for contact in lacking_contacts(run).filter(client_id__in=ids).order_by("name", "pk"):
            contacts[contact.client_id].append(contact)
    applies_to = _applies_to(run.client_checks)
    items = []
    for client in clients:
        checks = [c for c in run.client_checks if completeness.applies(c, client.kind, applies_to)]
        items.append(completeness.Item(client.pk, None, checks))
        items += [completeness.Item(client.pk, p.pk, run.contact_checks) for p in contacts[client.pk]]
    lacking = completeness.missing(items)
    labels = completeness.labels([*run.client_checks, *run.contact_checks])
    excluded = set(run.excluded)
    rows = []
    for client in clients:
        missing = lacking.get((client.pk, None), [])
        if missing:
            key = f"c{client.pk}"
            rows.append(Row(key, client, None, [labels[c] for c in missing], key not in excluded))
        for contact in contacts[client.pk]:
            missing = lacking.get((client.pk, contact.pk), [])
            if missing:
                key = f"p{contact.pk}"
                rows.append(Row(key, client, contact, [labels[c] for c in missing], key not in excluded))
    return rows


def _applies_to(checks) -> dict[int, str]:
    ids = [int(c.split(":", 1)[1]) for c in checks if c.startswith("extra:")]
    return dict(ExtraField.objects.filter(pk__in=ids).values_list("pk", "applies_to")) if ids else {}


def set_ticked(run: WizardRun, keys: list[str], ticked: bool) -> None:
    """Tick or untick rows of step 3 (saved at once, so paging keeps them)."""
    with transaction.atomic():
        run = WizardRun.objects.select_for_update().get(pk=run.pk)
        excluded = set(run.excluded)
        excluded = excluded - set(keys) if ticked else excluded | set(keys)
        run.excluded = sorted(excluded)
        run.save(update_fields=["excluded"])


# --- step 4 and 5: the work shared out, the tasks made ---------------------------------------------


@dataclass
class Selected:
    items: list[completeness.Item] = field(default_factory=list)
    responsible: dict[int, int | None] = field(default_factory=dict)  # client id → responsible id

    @property
    def clients(self) -> int:
        return len({i.client_id for i in self.items})


def selection(run: WizardRun) -> Selected:
    """Every row of step 3 still ticked, as task items, with the clients' responsible managers."""
    excluded = set(run.excluded)
    result = Selected()
    applies_to = _applies_to(run.client_checks)
    if run.client_checks:
        rows = lacking_clients(run).order_by("pk").values_list("pk", "kind", "responsible_id")
        for pk, kind, responsible in rows.iterator(chunk_size=INSERT_BATCH):
            if f"c{pk}" not in excluded:
                checks = [c for c in run.client_checks if completeness.applies(c, kind, applies_to)]
                result.items.append(completeness.Item(pk, None, checks))
                result.responsible[pk] = responsible
    if run.contact_checks:
        rows = lacking_contacts(run).order_by("pk").values_list("pk", "client_id", "client__responsible_id")
        for pk, client_id, responsible in rows.iterator(chunk_size=INSERT_BATCH):
            if f"p{pk}" not in excluded:
                result.items.append(completeness.Item(client_id, pk, run.contact_checks))
                result.responsible[client_id] = responsible
    return result


def executors_of(run: WizardRun) -> list:
    """«По выбранным исполнителям»: the users named by hand, or the active members of the group."""
    User = get_user_model()
    if run.executor_group_id:
        users = User.objects.filter(groups=run.executor_group_id, is_active=True)
    else:
        users = User.objects.filter(pk__in=run.executor_ids, is_active=True)
    return list(users.order_by("pk"))


def distribute(run: WizardRun, selected: Selected) -> dict[int, list[completeness.Item]]:
    """{executor id: items}. By responsible managers, clients without one going to the fallback
    executor; or in equal shares of clients among the chosen executors. A client's contact
    persons always go with the client."""
    by_client: dict[int, list[completeness.Item]] = defaultdict(list)
    for item in selected.items:
        by_client[item.client_id].append(item)
    shares: dict[int, list[completeness.Item]] = defaultdict(list)
    if run.distribution == WizardRun.Distribution.RESPONSIBLE:
        for client_id, items in by_client.items():
            executor = selected.responsible.get(client_id) or run.fallback_executor_id
            if executor is None:
                raise WizardError(_("У некоторых клиентов нет ответственного менеджера: укажите, кому передать их."))
            shares[executor] += items
    else:
        executors = executors_of(run)
        if not executors:
            raise WizardError(_("Не выбран ни один исполнитель (или в группе нет активных пользователей)."))
        for executor, client_id in zip(cycle(executors), sorted(by_client), strict=False):
            shares[executor.pk] += by_client[client_id]
    return dict(shares)


def check_distribution(run: WizardRun) -> None:
    """Raise WizardError if step 4's choices cannot share out the selection."""
    if run.distribution == WizardRun.Distribution.EXECUTORS:
        if not executors_of(run):
            raise WizardError(_("Не выбран ни один исполнитель (или в группе нет активных пользователей)."))
    elif run.fallback_executor_id is None and lacking_without_responsible(run):
        raise WizardError(_("У некоторых клиентов нет ответственного менеджера: укажите, кому передать их."))


def lacking_without_responsible(run: WizardRun) -> bool:
    excluded = {int(k[1:]) for k in run.excluded if k.startswith("c")}
    if run.client_checks and lacking_clients(run).filter(responsible__isnull=True).exclude(pk__in=excluded).exists():
        return True
    return bool(run.contact_checks) and lacking_contacts(run).filter(client__responsible__isnull=True).exists()


@transaction.atomic
def submit(run: WizardRun) -> bool:
    """Step 4's «Готово»: queue the run's task generation, once. Returns whether this call did
    (False: it was submitted before — a double click or a refresh). Raises WizardError, or
    crm.runs.QueueUnavailable when the queue is down (the run stays a draft, to be sent again)."""
    locked = WizardRun.objects.select_for_update().get(pk=run.pk)
    if locked.state != WizardRun.State.DRAFT:
        return False
    check_distribution(locked)
    locked.state = WizardRun.State.QUEUED
    locked.submitted_at = locked.queued_at = timezone.now()
    locked.save(update_fields=["state", "submitted_at", "queued_at"])
    runs.queue(locked)
    return True


def progress(run: WizardRun) -> int:
    """Tasks made so far by a running run."""
    return runs.progress(run)


def task_title(run: WizardRun, items: list[completeness.Item]) -> str:
    """What the task is about, so that two tasks of one executor are told apart in «Мои дела»:
    what to fill and for how many clients (its project is shown beside it wherever it is listed)."""
    labels = completeness.labels([*run.client_checks, *run.contact_checks])
    names = ", ".join(dict.fromkeys(labels[c] for c in [*run.client_checks, *run.contact_checks]))
    if run.kind == WizardRun.Kind.PROPERTIES:
        title = _("Заполнить свойства клиентов: %(names)s") % {"names": names}
    else:
        title = _("Заполнить контактную информацию: %(names)s") % {"names": names}
    title += " — " + _("клиентов: %(count)s") % {"count": len({item.client_id for item in items})}
    return title[:255]


def generate_tasks(run_id) -> WizardRun | None:
    """Make the run's tasks: one per executor, its items bulk-inserted, all in one transaction.
    Idempotent: a duplicated job finds the run taken or done; a job retried after a worker died
    finds its tasks by (origin, executor) and its items by their unique constraints. Returns the
    run if this call did it."""

    def work(run: WizardRun) -> None:
        selected = selection(run)
        shares = distribute(run, selected)
        description = _(
            "Мастер «%(wizard)s» от %(date)s: заполните недостающие сведения у клиентов и контактных лиц "
            "на вкладке «Заполнение» и отметьте задачу выполненной."
        ) % {"wizard": run.get_kind_display(), "date": date_format(timezone.localdate(), "d.m.Y")}
        for made, (executor_id, items) in enumerate(sorted(shares.items()), start=1):
            task_services.ensure_task(
                origin=run.origin,
                executor_id=executor_id,
                items=items,
                author_id=run.author_id,
                title=task_title(run, items),
                description=description,
                kind=TASK_KINDS[run.kind],
                reviewer_id=run.reviewer_id,
                due_date=run.due_date,
                control_date=run.control_date,
                project_id=run.project_id,
            )
            runs.report_progress(WizardRun, run.pk, made)
        run.clients_count = selected.clients
        run.contacts_count = sum(1 for i in selected.items if i.contact_id is not None)
        run.tasks_count = len(shares)

    return runs.execute(
        WizardRun,
        run_id,
        work,
        refusals=(WizardError,),
        failure=_("Не удалось создать задачи из-за ошибки на сервере."),
    )


def tasks_of(run: WizardRun) -> QuerySet[Task]:
    return Task.objects.filter(origin=run.origin).select_related("executor", "reviewer").order_by("executor__last_name")
