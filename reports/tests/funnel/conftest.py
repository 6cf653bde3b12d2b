"""A small funnel whose figures the tests work out by hand. «Тест»: Контакт, «Старый этап» (no
longer used), Потребность, Предложение, Договор, Успех, Провал; «Другая»: Заявка, Выиграна,
Отказ. Times are days after each deal's creation (at noon, Moscow); the period is the first quarter
of 2026 and the report's «now» is 01.04.2026 12:00.

deal  funnel  manager  client  created     moves (stage @ day)                                        now
d1    Тест    Анна     Альфа   10.01.2026  Контакт 0, Потребность 2, Предложение 5, Договор 9, Успех 10  won 100 000
d2    Тест    Анна     Гамма   15.01.2026  Контакт 0, Предложение 4 (skips Потребность), Провал 6.7      lost
d3    Тест    Анна     Гамма   01.02.2026  Контакт 0, Потребность 1, Предложение 2.5, Потребность 5.8    open
                                           (back), Предложение 8, Договор 12
d4    Тест    Борис    Дельта  20.01.2026  Контакт 0, Потребность 3, Предложение 8, Договор 9, Успех 11, lost (won,
                                           Договор 20 (reopened), Провал 25                            reopened)
d5    Тест    Анна     Альфа   10.02.2026  Контакт 0, Потребность 2, Провал 5, Потребность 10          won 50 000
                                           (reopened), Предложение 11, Договор 13, Успех 15           (lost, reopened)
d6    Тест    —        lead    01.03.2026  Контакт 0, Старый этап 1, Потребность 3                      open
d7    Тест    Анна     lead    20.03.2026  Контакт 0                                                     open
d8    Тест    Борис    Бета    20.12.2025  Контакт 0, Потребность 1, Договор 2, Успех 4                   won (before)
d9    Другая  Анна     Альфа   05.02.2026  Заявка 0, Выиграна 3                                          won 20 000
d10   Тест    Борис    Дельта  05.03.2026  Контакт 0, Потребность 2                                      open
d11   Тест    Анна     lead    01.04.2026  Контакт 0 (09:00: after the period)                           open
d12   Другая  Борис    Бета    01.03.2026  Заявка 0, Выиграна 9                                          won 30 000
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.utils import timezone

from clients.tests import factories
from funnel.models import Deal, Funnel, Stage, StageTransition
from reports.tests.receivables.conftest import head  # noqa: F401 - the sales head, a fixture

NOW = timezone.make_aware(datetime.datetime(2026, 4, 1, 12, 0))
PERIOD = {"period_after": "2026-01-01", "period_before": "2026-03-31"}


def noon(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.strptime(f"{day} 12:00", "%d.%m.%Y %H:%M"))


def history(funnel, title, manager, client, created, moves, amount=None) -> Deal:
    """A deal with its transitions: `moves` are (stage, days after `created`)."""
    moments = [(stage, created + datetime.timedelta(days=offset)) for stage, offset in moves]
    last, at = moments[-1]
    deal = Deal.objects.create(
        funnel=funnel,
        stage=last,
        title=title,
        client=client,
        lead_name="" if client else f"Лид {title}",
        manager=manager,
        amount=amount,
        created_at=created,
        stage_entered_at=at,
        closed_at=at if last.kind != Stage.Kind.OPEN else None,
        source="Сайт" if title in ("d1", "d3") else "Звонок",
    )
    previous = None
    for stage, moment in moments:
        StageTransition.objects.create(deal=deal, from_stage=previous, to_stage=stage, at=moment, by=manager)
        previous = stage
    return deal


@pytest.fixture
def deals(db):
    anna = factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    boris = factories.manager(username="boris", first_name="Борис", last_name="Волков")
    test = Funnel.objects.create(name="Тест")
    other = Funnel.objects.create(name="Другая")

    def stage(funnel, name, order, kind=Stage.Kind.OPEN, active=True):
        return Stage.objects.create(funnel=funnel, name=name, order=order, kind=kind, is_active=active)

    contact = stage(test, "Контакт", 10)
    old = stage(test, "Старый этап", 15, active=False)
    need = stage(test, "Потребность", 20)
    offer = stage(test, "Предложение", 30)
    contract = stage(test, "Договор", 40)
    won = stage(test, "Успех", 90, Stage.Kind.WON)
    lost = stage(test, "Провал", 99, Stage.Kind.LOST)
    request = stage(other, "Заявка", 10)
    other_won = stage(other, "Выиграна", 90, Stage.Kind.WON)
    stage(other, "Отказ", 99, Stage.Kind.LOST)

    alfa = factories.ClientFactory(name="Альфа", inn="7701000001", responsible=anna)
    beta = factories.ClientFactory(name="Бета", inn="", responsible=boris)
    gamma = factories.ClientFactory(name="Гамма", responsible=anna)
    delta = factories.ClientFactory(name="Дельта", responsible=boris)

    d = {
        1: history(test, "d1", anna, alfa, noon("10.01.2026"),
                   [(contact, 0), (need, 2), (offer, 5), (contract, 9), (won, 10)], D(100000)),
        2: history(test, "d2", anna, gamma, noon("15.01.2026"), [(contact, 0), (offer, 4), (lost, 6.7)]),
        3: history(test, "d3", anna, gamma, noon("01.02.2026"),
                   [(contact, 0), (need, 1), (offer, 2.5), (need, 5.8), (offer, 8), (contract, 12)]),
        4: history(test, "d4", boris, delta, noon("20.01.2026"),
                   [(contact, 0), (need, 3), (offer, 8), (contract, 9), (won, 11), (contract, 20), (lost, 25)],
                   D(70000)),
        5: history(test, "d5", anna, alfa, noon("10.02.2026"),
                   [(contact, 0), (need, 2), (lost, 5), (need, 10), (offer, 11), (contract, 13), (won, 15)],
                   D(50000)),
        6: history(test, "d6", None, None, noon("01.03.2026"), [(contact, 0), (old, 1), (need, 3)]),
        7: history(test, "d7", anna, None, noon("20.03.2026"), [(contact, 0)]),
        8: history(test, "d8", boris, beta, noon("20.12.2025"),
                   [(contact, 0), (need, 1), (contract, 2), (won, 4)], D(40000)),
        9: history(other, "d9", anna, alfa, noon("05.02.2026"), [(request, 0), (other_won, 3)], D(20000)),
        10: history(test, "d10", boris, delta, noon("05.03.2026"), [(contact, 0), (need, 2)]),
        11: history(test, "d11", anna, None, noon("01.04.2026") - datetime.timedelta(hours=3), [(contact, 0)]),
        12: history(other, "d12", boris, beta, noon("01.03.2026"), [(request, 0), (other_won, 9)], D(30000)),
    }  # fmt: skip
    return SimpleNamespace(
        anna=anna,
        boris=boris,
        test=test,
        other=other,
        stages={s.name: s for s in Stage.objects.all()},
        alfa=alfa,
        beta=beta,
        deals=d,
    )


@pytest.fixture
def at_now(monkeypatch):
    """The report's «now»: 01.04.2026 12:00."""
    monkeypatch.setattr("reports.funnel.views.report_now", lambda: NOW)
    return NOW
