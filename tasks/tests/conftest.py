import pytest

from clients.tests import factories as client_factories
from tasks.tests import factories


@pytest.fixture
def executor(db):
    return factories.manager(username="executor")


@pytest.fixture
def reviewer(db):
    return factories.supervisor(username="reviewer")


@pytest.fixture
def stranger(db):
    """A manager who has nothing to do with the task."""
    return factories.manager(username="stranger")


@pytest.fixture
def email_task(executor, reviewer):
    """A contact-info task: a client and its contact person both lack an Email."""
    from clients import completeness
    from tasks import services

    email = client_factories.kind("Email")
    client = client_factories.ClientFactory(name="ООО «Ромашка»", responsible=executor)
    contact = client_factories.ContactPersonFactory(client=client, name="Петров Иван")
    checks = [completeness.info_check(email)]
    return services.create_task(
        title="Заполнить Email",
        kind="contact_info",
        executor=executor,
        reviewer=reviewer,
        author=reviewer,
        items=[completeness.Item(client.pk, None, checks), completeness.Item(client.pk, contact.pk, checks)],
    )
