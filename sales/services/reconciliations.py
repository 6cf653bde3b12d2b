"""«Акты сверки» as documents: made from the ledger of a client (a contract, or the documents without
one) over a period, with the figures frozen and the file the report gives stored beside them; moved
through their states by a table (an illegal move raises); the client's answer recorded with its scan;
and the acts sent and not answered within RECONCILIATION_ANSWER_DAYS, for «Мои дела» and the list."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sales.exports import reconciliation_xlsx
from sales.ledger import Ledger, Scope, client_ledger, reconciliation_act
from sales.models import Reconciliation, ReconciliationEvent
from sales.services import SalesError, _lock_numbers, next_number

logger = logging.getLogger(__name__)
State = Reconciliation.State

# Which state may follow which: sent after it is made; then signed, or a disagreement that may
# still end signed once the difference is settled.
NEXT_STATE = {
    State.MADE: (State.SENT,),
    State.SENT: (State.SIGNED, State.DISPUTED),
    State.DISPUTED: (State.SIGNED,),
    State.SIGNED: (),
}
STATE_ACTIONS = {
    State.SENT: gettext_lazy("Отправлен"),
    State.SIGNED: gettext_lazy("Подписан"),
    State.DISPUTED: gettext_lazy("Разногласия"),
}


class FileNotStored(SalesError):
    """The server could not store a file (its media folder is full or not writable)."""


def scope_of(act: Reconciliation) -> Scope:
    return Scope(
        client=act.client, start=act.start, end=act.end, contract=act.contract, without_contract=act.without_contract
    )


def _store(field, name: str, content) -> None:
    try:
        field.save(name, content, save=False)
    except OSError as error:  # nothing is recorded: the transaction rolls back with the message
        logger.exception("file %s not stored", name)
        raise FileNotStored(
            _("Файл не сохранён: хранилище файлов на сервере недоступно. Сообщите администратору.")
        ) from error


def _event(act: Reconciliation, user, kind: str, comment: str = "", at: datetime.datetime | None = None) -> None:
    at = at or timezone.now()
    ReconciliationEvent.objects.create(reconciliation=act, user=user, kind=kind, comment=comment, at=at)


@transaction.atomic
def make_reconciliation(scope: Scope, user, *, date: datetime.date | None = None) -> Reconciliation:
    """A new act of the scope with the next number of its year: the ledger's balances and turnovers
    as they are now, and the report's xlsx of the act kept as its file."""
    if scope.contract is not None and scope.contract.client_id != scope.client.pk:
        raise SalesError(_("Договор заключён с другим клиентом."))
    ledger: Ledger = client_ledger(scope)
    content = reconciliation_xlsx(ledger, reconciliation_act(ledger, settings.COMPANY_NAME))
    date = date or timezone.localdate()
    _lock_numbers(Reconciliation)
    act = Reconciliation(
        date=date,
        number=next_number(Reconciliation, date.year),
        client=scope.client,
        contract=scope.contract,
        without_contract=scope.without_contract,
        start=scope.start,
        end=scope.end,
        opening=ledger.opening,
        debit=ledger.debit,
        credit=ledger.credit,
        closing=ledger.closing,
        manager=scope.client.responsible or user,
        author=user,
    )
    act.year = date.year
    _store(act.file, f"akt-sverki-{act.year}-{act.number}.xlsx", ContentFile(content))
    act.save()
    _event(act, user, ReconciliationEvent.Kind.MADE)
    return act


def allowed_moves(act: Reconciliation) -> list[tuple[str, str]]:
    """(state, button label) of the moves the act's state allows."""
    return [(state, str(STATE_ACTIONS[state])) for state in NEXT_STATE[State(act.state)]]


@transaction.atomic
def move(act: Reconciliation, state: str, user, *, now: datetime.datetime | None = None) -> Reconciliation:
    """Move the act to `state` as NEXT_STATE allows; sending stamps the time the answer is awaited from."""
    act = Reconciliation.objects.select_for_update().get(pk=act.pk)
    if state not in State.values or state not in NEXT_STATE[State(act.state)]:
        label = State(state).label if state in State.values else state
        raise SalesError(
            _("Акт в состоянии «%(current)s»: перевести его в «%(next)s» нельзя.")
            % {"current": act.get_state_display(), "next": label}
        )
    now = now or timezone.now()
    act.state = state
    if state == State.SENT:
        act.sent_at = now
    act.save(update_fields=["state", "sent_at"])
    _event(act, user, state, at=now)
    return act


@transaction.atomic
def record_answer(
    act: Reconciliation,
    user,
    *,
    answered_on: datetime.date,
    their_closing: Decimal | None,
    comment: str = "",
    scan: UploadedFile | None = None,
) -> Reconciliation:
    """The client's answer to a sent act: its date, their closing balance (the difference with ours
    follows), a comment, and the scan (a new one replaces the one before)."""
    act = Reconciliation.objects.select_for_update().get(pk=act.pk)
    if act.state == State.MADE:
        raise SalesError(_("Акт ещё не отправлен клиенту: ответ на него записать нельзя."))
    if scan is not None:
        act.answer_name = scan.name[:255]
        _store(act.answer_file, scan.name, scan)
    act.answered_on, act.their_closing, act.comment = answered_on, their_closing, comment
    act.save(update_fields=["answer_file", "answer_name", "answered_on", "their_closing", "comment"])
    _event(act, user, ReconciliationEvent.Kind.ANSWERED, comment)
    return act


def answer_overdue(now: datetime.datetime | None = None, days: int | None = None) -> Q:
    """The acts sent more than `days` (RECONCILIATION_ANSWER_DAYS) ago and not answered."""
    days = settings.RECONCILIATION_ANSWER_DAYS if days is None else days
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    return Q(state=State.SENT, answered_on__isnull=True, sent_at__lt=since)


def waiting_for_answer(user, now: datetime.datetime | None = None) -> QuerySet[Reconciliation]:
    """The user's acts (they are the act's manager) whose answer is overdue, the longest waiting first."""
    acts = Reconciliation.objects.filter(answer_overdue(now), manager=user)
    return acts.select_related("client").order_by("sent_at", "pk")
