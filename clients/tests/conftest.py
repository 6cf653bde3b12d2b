import pytest

from clients.models import ExtraField
from clients.tests import factories


@pytest.fixture
def owner(db):
    """A manager responsible for `card`."""
    return factories.manager(username="owner")


@pytest.fixture
def colleague(db):
    """Another manager: may view the card but not edit it."""
    return factories.manager(username="colleague")


@pytest.fixture
def outsider(db):
    """A user without any CRM role."""
    return factories.UserFactory(username="outsider")


@pytest.fixture
def boss(db):
    return factories.supervisor(username="boss")


@pytest.fixture
def card(owner):
    client = factories.ClientFactory(name="ООО «Ромашка»", inn="7707083893", kpp="773601001", responsible=owner)
    factories.ContactInfoFactory(client=client, value="+79161234567")
    contact = factories.ContactPersonFactory(client=client, name="Петров Иван")
    factories.ContactInfoFactory(
        client=client, contact=contact, kind=factories.kind("Email"), value="petrov@romashka.ru"
    )
    return client


@pytest.fixture
def loyalty(db):
    """The list field of the issue's story."""
    return factories.list_field("Лояльность", ["Высокая", "Средняя", "Низкая"])


@pytest.fixture
def turnover(db):
    return factories.ExtraFieldFactory(name="Оборот", value_type=ExtraField.ValueType.NUMBER)
