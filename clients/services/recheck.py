"""«Проверка по ИНН»: every card with an ИНН is asked about at the company-data provider behind
«Заполнить по ИНН» (clients.company_data), politely — at most CLIENTS_RECHECK_RATE requests a
second, one client at a time, in client id order, the position committed with every step
(crm.runs.execute_in_steps), so a stopped or failed run continues after the last client asked
and asks nobody twice.

What the register holds otherwise becomes a proposal (RecheckProposal) for the name, the КПП and
the legal address; a user accepts it (written through clients.services.write under their name)
or rejects it. The register's state — действующая, ликвидирована, … — is a fact, not an opinion:
it is written to the card (Client.registry_status) by the check itself, and a closing
counterparty is marked red on its card and in the client list. A provider's failure on one client
is counted and skipped; CLIENTS_RECHECK_MAX_ERRORS failures in a row fail the run (the service
is down), which continues from there when run again."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import access
from clients.company_data import CompanyData, CompanyDataError, CompanyDataProvider, get_provider
from clients.models import CLOSING_STATUSES, Client, ClientChange, RecheckProposal, RecheckRun
from clients.services.writer import ClientChangeSet, write
from crm import runs

# Clients asked in one step (one committed transaction).
STEP = 20
Field = RecheckProposal.Field


class RateLimit:
    """At most `per_second` calls a second: `wait()` before each call sleeps until its turn."""

    def __init__(self, per_second: float, *, clock: Callable[[], float] = time.monotonic, sleep=time.sleep):
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self.clock, self.sleep = clock, sleep
        self.next_at = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_at:
            self.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def with_inn() -> QuerySet[Client]:
    return Client.objects.exclude(inn="")


def start_recheck(*, user=None) -> RecheckRun:
    """The beat's weekly job and «Проверить сейчас»: the run under way, or the last run continued
    when it failed, or a new run. Raises crm.runs.QueueUnavailable (then nothing is kept)."""
    with transaction.atomic():
        latest = RecheckRun.objects.select_for_update().first()
        if latest is not None and latest.state in (RecheckRun.State.QUEUED, RecheckRun.State.RUNNING):
            return latest
        if latest is not None and latest.state == RecheckRun.State.FAILED:
            runs.retry(latest)
            latest.refresh_from_db()
            return latest
        run = RecheckRun.objects.create(author=user)
        runs.queue(run)
        return run


def execute_recheck_run(run_id: int, provider: CompanyDataProvider | None = None) -> RecheckRun | None:
    """Do a stored run from its position (crm.runs.execute_in_steps). None when another job has it."""
    provider = provider if provider is not None else get_provider()
    limit = RateLimit(float(settings.CLIENTS_RECHECK_RATE))
    max_errors = int(settings.CLIENTS_RECHECK_MAX_ERRORS)
    in_a_row = 0

    def step(run: RecheckRun) -> bool:
        nonlocal in_a_row
        if provider is None:
            raise runs.Halt(_("Заполнение по ИНН не настроено: укажите DADATA_TOKEN."))
        if not run.total:
            run.total = with_inn().count()
        clients = list(with_inn().filter(pk__gt=run.position).order_by("pk")[:STEP])
        found: dict[int, CompanyData] = {}
        for client in clients:
            limit.wait()
            run.position, run.asked = client.pk, run.asked + 1
            try:
                data = provider.find_by_inn(client.inn)
            except ValidationError:  # a wrong ИНН on the card: nothing to ask
                run.not_found += 1
                continue
            except CompanyDataError as error:
                run.errors += 1
                in_a_row += 1
                if in_a_row >= max_errors:
                    record(run, found)
                    raise runs.Halt(
                        _(
                            "Сервис данных о компаниях не ответил %(count)s раз подряд (%(error)s). Проверка "
                            "остановлена; запущенная ещё раз, она продолжится с того же места."
                        )
                        % {"count": in_a_row, "error": error}
                    ) from error
                continue
            in_a_row = 0
            if data is None:
                run.not_found += 1
            else:
                found[client.pk] = data
        record(run, found)
        return len(clients) < STEP

    return runs.execute_in_steps(
        RecheckRun, run_id, step, failure=_("Проверка по ИНН не выполнена из-за ошибки на сервере.")
    )


def _comparable(value: str) -> str:
    """A requisite as compared: case, quotes and spaces set aside («ООО "Ромашка"» = «ООО «РОМАШКА»»)."""
    return " ".join(re.sub(r"[«»\"“”„']", '"', value).casefold().split())


def differences(client: Client, data: CompanyData) -> dict[str, str]:
    """{field: the register's value} of the requisites the register holds otherwise."""
    theirs = {Field.NAME: data.name, Field.LEGAL_ADDRESS: data.legal_address}
    if client.is_company:
        theirs[Field.KPP] = data.kpp
    changed = {}
    for name, value in theirs.items():
        value = value[: Client._meta.get_field(name).max_length]
        if value and _comparable(value) != _comparable(getattr(client, name)):
            changed[name] = value
    return changed


def record(run: RecheckRun, found: dict[int, CompanyData]) -> None:
    """What a step found: the register's state written to the cards, differences proposed (an open
    proposal of the same requisite takes the newer value instead of a second one, and goes when the
    card and the register agree again)."""
    if not found:
        return
    clients = list(Client.objects.select_for_update(of=("self",)).filter(pk__in=found).order_by("pk"))
    states = [
        ClientChangeSet(client, fields={"registry_status": found[client.pk].status})
        for client in clients
        if found[client.pk].status and found[client.pk].status != client.registry_status
    ]
    write(states, user=None, source=ClientChange.Source.RECHECK)
    run.closing += sum(1 for change in states if change.client.registry_status in CLOSING_STATUSES)
    open_ones = {
        (p.client_id, p.field): p
        for p in RecheckProposal.objects.filter(client__in=clients, state=RecheckProposal.State.PROPOSED)
    }
    new, renewed = [], []
    for client in clients:
        for name, value in differences(client, found[client.pk]).items():
            proposal = open_ones.pop((client.pk, name), None)
            if proposal is None:
                new.append(RecheckProposal(client=client, field=name, old_value=getattr(client, name), new_value=value))
            elif proposal.new_value != value or proposal.old_value != getattr(client, name):
                proposal.old_value, proposal.new_value = getattr(client, name), value
                renewed.append(proposal)
    for proposal in [*new, *renewed]:
        proposal.run = run
    RecheckProposal.objects.bulk_create(new)
    RecheckProposal.objects.bulk_update(renewed, ["old_value", "new_value", "run"])
    # What the card and the register now agree on (someone set it by hand) is no longer a proposal.
    RecheckProposal.objects.filter(pk__in=[p.pk for p in open_ones.values()]).delete()
    run.proposed += len(new) + len(renewed)


def visible_proposals(user) -> QuerySet[RecheckProposal]:
    """The open proposals of the cards the user works with."""
    rows = RecheckProposal.objects.filter(state=RecheckProposal.State.PROPOSED)
    return access.worked(rows, user, path="client__")


@dataclass
class Decision:
    accepted: int = 0
    rejected: int = 0
    refused: list[str] = dataclass_field(default_factory=list)  # why a proposal was not accepted


def decide(ids: Iterable[int], *, accept: bool, user) -> Decision:
    """Accept (write to the cards, under the user's name) or reject the user's open proposals
    `ids`; one whose card no longer holds the value it was made against is refused with a message
    and stays open. Others' proposals and decided ones are passed over."""
    decision = Decision()
    with transaction.atomic():
        proposals = list(
            visible_proposals(user).filter(pk__in=list(ids)).select_for_update(of=("self",)).order_by("pk")
        )
        if not accept:
            _close(proposals, RecheckProposal.State.REJECTED, user)
            decision.rejected = len(proposals)
            return decision
        clients = Client.objects.select_for_update(of=("self",)).in_bulk({p.client_id for p in proposals})
        change_sets: dict[int, ClientChangeSet] = {}
        accepted = []
        for proposal in proposals:
            client = clients[proposal.client_id]
            now = getattr(client, proposal.field)
            if now != proposal.old_value:
                decision.refused.append(
                    _(
                        "«%(client)s»: %(field)s на карточке уже изменили (сейчас «%(now)s», а предложение "
                        "сделано для «%(old)s»). Предложение не принято; отклоните его, если оно больше не нужно."
                    )
                    % {
                        "client": client.name,
                        "field": proposal.get_field_display(),
                        "now": now,
                        "old": proposal.old_value,
                    }
                )
                continue
            change_set = change_sets.setdefault(client.pk, ClientChangeSet(client))
            change_set.fields[proposal.field] = proposal.new_value
            accepted.append(proposal)
        write(list(change_sets.values()), user=user, source=ClientChange.Source.RECHECK)
        _close(accepted, RecheckProposal.State.ACCEPTED, user)
        decision.accepted = len(accepted)
    return decision


def _close(proposals: Sequence[RecheckProposal], state: str, user) -> None:
    RecheckProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        state=state, decided_by=user, decided_at=timezone.now()
    )
