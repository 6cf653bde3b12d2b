import pytest

from clients.tests import factories
from quality.models import WizardRun


@pytest.fixture
def boss(db):
    return factories.supervisor(username="boss")


@pytest.fixture
def anna(db):
    return factories.manager(username="anna", first_name="Анна", last_name="Аверина")


@pytest.fixture
def boris(db):
    return factories.manager(username="boris", first_name="Борис", last_name="Бобров")


@pytest.fixture
def email(db):
    return factories.kind("Email")


@pytest.fixture
def base(db, anna, boris, email):
    """Four clients: Альфа (Анна; has an e-mail; its contact Петров has none), Бета (Анна, class A,
    no e-mail), Гамма (Борис, class A, no e-mail), Дельта (nobody's, no e-mail)."""
    alfa = factories.ClientFactory(name="Альфа", responsible=anna, abc_class="B")
    factories.ContactInfoFactory(client=alfa, kind=email, value="info@alfa.ru")
    petrov = factories.ContactPersonFactory(client=alfa, name="Петров Пётр")
    beta = factories.ClientFactory(name="Бета", responsible=anna, abc_class="A")
    gamma = factories.ClientFactory(name="Гамма", responsible=boris, abc_class="A")
    delta = factories.ClientFactory(name="Дельта", responsible=None, abc_class="C")
    return {"alfa": alfa, "petrov": petrov, "beta": beta, "gamma": gamma, "delta": delta}


@pytest.fixture
def email_run(boss, email):
    """A contact-info run: Email for clients and for contact persons, the whole base."""
    check = f"info:{email.pk}"
    return WizardRun.objects.create(kind="contact_info", author=boss, client_checks=[check], contact_checks=[check])
