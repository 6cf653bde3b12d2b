import threading
from decimal import Decimal as D

import pytest
from django.db import connection
from django.utils import translation

from clients.tests import factories as client_factories
from funnel import services
from funnel.models import Deal, MarginConfirmation, Stage, StageTransition
from funnel.services import FunnelError, Line, MarginNotConfirmed
from funnel.tests.factories import FunnelFactory, reason, stages
from sales.tests.factories import ProductFactory


@pytest.fixture
def anna(db):
    return client_factories.manager(username="anna")


@pytest.fixture
def b2b(db):
    funnel = FunnelFactory(name="B2B")
    return funnel, stages(funnel, "Контакт", "Предложение", "Договор")


def new_deal(funnel, manager, **kwargs) -> Deal:
    client = client_factories.ClientFactory(name="ООО «Клиент»")
    deal = Deal(funnel=funnel, title="Поставка", client=client, manager=manager, **kwargs)
    return services.create_deal(deal, user=manager)


def test_a_deal_starts_on_the_first_stage_and_every_move_is_recorded(b2b, anna):
    funnel, (contact, offer, contract, won, _lost) = b2b
    deal = new_deal(funnel, anna)
    assert deal.stage == contact
    services.move(deal, contract, user=anna, seen_stage=contact)  # skipping «Предложение» is allowed
    deal = services.move(deal, won, user=anna, amount=D("1000.00"))
    assert deal.closed_at is not None
    deal = services.move(deal, offer, user=anna, comment="клиент вернулся")  # reopened
    assert deal.closed_at is None
    moves = list(StageTransition.objects.filter(deal=deal).values_list("from_stage__name", "to_stage__name"))
    assert moves == [(None, "Контакт"), ("Контакт", "Договор"), ("Договор", "Успех"), ("Успех", "Предложение")]


def test_moves_that_are_not_allowed(b2b, anna):
    funnel, (_contact, offer, _contract, won, lost) = b2b
    other_funnel = FunnelFactory(name="B2C")
    foreign = stages(other_funnel, "Заявка")[0]
    deal = new_deal(funnel, anna)
    with pytest.raises(FunnelError, match="другой воронке"):
        services.move(deal, foreign, user=anna)
    with pytest.raises(FunnelError, match="сумму сделки"):
        services.move(deal, won, user=anna)
    with pytest.raises(FunnelError, match="причину проигрыша"):
        services.move(deal, lost, user=anna)
    with pytest.raises(FunnelError, match="менеджер или руководитель"):
        services.move(deal, offer, user=client_factories.manager(username="boris"))
    services.move(deal, lost, user=anna, lost_reason=reason())
    assert Deal.objects.get(pk=deal.pk).lost_reason.name == "Дорого"
    assert StageTransition.objects.filter(deal=deal).count() == 2


def test_a_stale_move_is_refused_with_where_the_deal_is(b2b, anna):
    funnel, (contact, offer, contract, _won, _lost) = b2b
    deal = new_deal(funnel, anna)
    services.move(deal, offer, user=anna, seen_stage=contact)
    with pytest.raises(FunnelError, match="уже переместили на этап «Предложение»"):
        services.move(deal, contract, user=anna, seen_stage=contact)


@pytest.mark.django_db(transaction=True)
def test_two_people_moving_the_same_deal_at_once_one_wins(reference_data, monkeypatch):
    anna = client_factories.manager(username="anna")
    boss = client_factories.supervisor(username="boss")
    funnel = FunnelFactory(name="B2B")
    contact, offer, contract, *_closed = stages(funnel, "Контакт", "Предложение", "Договор")
    deal = new_deal(funnel, anna)
    barrier = threading.Barrier(2)
    real_create = StageTransition.objects.create

    def create_and_wait(**kwargs):
        made = real_create(**kwargs)
        try:
            barrier.wait(timeout=1)  # both hold what they read; with the row lock only one gets here
        except threading.BrokenBarrierError:
            pass
        return made

    monkeypatch.setattr(StageTransition.objects, "create", create_and_wait)
    outcomes = []

    def drag(user, stage):
        try:
            services.move(Deal.objects.get(pk=deal.pk), stage, user=user, seen_stage=contact)
            outcomes.append(stage.name)
        except Exception as error:  # the test reports whatever happened
            outcomes.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=drag, args=a) for a in ((anna, offer), (boss, contract))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and sum("уже переместили" in o for o in outcomes) == 1, outcomes
    assert StageTransition.objects.filter(deal=deal).count() == 2


def test_the_margin_guard_warns_with_the_numbers_and_logs_the_confirmation(b2b, anna, settings):
    settings.FUNNEL_MIN_MARGIN = 10
    funnel, _stages = b2b
    deal = new_deal(funnel, anna)
    widget = ProductFactory(name="Виджет", price=D("100.00"), cost=D("80.00"))
    fine = [Line(widget, D(2), D("100.00"), D("5"))]  # 95 each: margin 15.79 %
    assert services.margin(fine) == D("15.79") and services.margin_warnings(fine) == []
    services.save_lines(deal, fine, user=anna)
    assert Deal.objects.get(pk=deal.pk).amount == D("190.00")

    cheap = [Line(widget, D(1), D("100.00"), D("25"))]  # 75 < cost 80: margin −6.67 %
    with pytest.raises(MarginNotConfirmed) as refused:
        services.save_lines(deal, cheap, user=anna)
    assert refused.value.warnings == [
        "Строка 1 «Виджет»: цена со скидкой 75,00 ниже себестоимости 80,00.",
        "Рентабельность сделки −6,67 % ниже минимальной 10 %.",
    ]
    assert Deal.objects.get(pk=deal.pk).amount == D("190.00")  # nothing saved
    services.save_lines(deal, cheap, user=anna, confirmed=True)
    confirmation = MarginConfirmation.objects.get(deal=deal)
    assert (confirmation.user, confirmation.margin, len(confirmation.warnings)) == (anna, D("-6.67"), 2)
    with pytest.raises(FunnelError, match="скидка — от 0 до 100"):
        services.save_lines(deal, [Line(widget, D(1), D(100), D(101))], user=anna, confirmed=True)
    with pytest.raises(FunnelError, match="скидка — от 0 до 100"):
        services.save_lines(deal, [Line(widget, D(1), D(100), D(-1))], user=anna, confirmed=True)


def test_moving_a_stages_deals_writes_a_transition_each_and_keeps_lost_reasons_between_lost_stages(b2b, anna):
    funnel, (contact, _offer, _contract, _won, lost) = b2b
    refused = services.add_stage(funnel, Stage(name="Отказ", kind=Stage.Kind.LOST))
    deals = [new_deal(funnel, anna) for _n in range(3)]
    for deal, why in zip(deals, ("Дорого", "Долго", "Дорого"), strict=True):
        services.move(deal, lost, user=anna, lost_reason=reason(why))
    assert services.move_stage_deals(lost, refused, user=anna, comment="объединили") == 3
    assert sorted(Deal.objects.values_list("lost_reason__name", flat=True)) == ["Долго", "Дорого", "Дорого"]
    assert StageTransition.objects.filter(from_stage=lost, to_stage=refused, comment="объединили").count() == 3
    assert services.move_stage_deals(contact, refused, user=anna) == 0  # nothing there


def test_a_new_funnels_stages_are_named_in_the_sites_language(db):
    with translation.override("en"):
        funnel = services.create_funnel(name="Export", kind="b2b", requires_amount=True)
    assert list(funnel.stages.values_list("name", "kind")) == [("Успех", "won"), ("Провал", "lost")]
