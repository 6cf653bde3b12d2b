import pytest

from clients.tests import factories as client_factories
from crm import roles
from funnel import services
from funnel.models import Deal
from funnel.tests.factories import FunnelFactory, stages


@pytest.fixture
def anna(db):
    """A manager: owns the deals made by `deal_of`."""
    return client_factories.manager(username="anna", first_name="Анна", last_name="Менеджерова")


@pytest.fixture
def boris(db):
    """Another manager."""
    return client_factories.manager(username="boris", first_name="Борис", last_name="Коллегин")


@pytest.fixture
def head(db):
    """A sales head: sees and moves every deal, sets up the funnels."""
    return client_factories.UserFactory(username="head", role=roles.SALES_HEAD)


@pytest.fixture
def outsider(db):
    """A user with no CRM role."""
    return client_factories.UserFactory(username="outsider")


@pytest.fixture
def b2b(db):
    """«B2B»: Контакт, Предложение, Договор, Успех, Провал."""
    funnel = FunnelFactory(name="B2B")
    return funnel, stages(funnel, "Контакт", "Предложение", "Договор")


def deal_of(funnel, manager, title="Поставка", client=None, **fields) -> Deal:
    if client is None and "lead_name" not in fields:
        client = client_factories.ClientFactory(name=f"ООО «{title}»", responsible=manager)
    deal = Deal(funnel=funnel, title=title, client=client, manager=manager, **fields)
    return services.create_deal(deal, user=manager)
