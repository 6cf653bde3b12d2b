from clients.tests.factories import UserFactory
from crm import roles
from webhooks.models import Subscription


def administrator(**kwargs):
    return UserFactory(role=roles.ADMINISTRATOR, **kwargs)


def subscription(url: str, *events: str, **fields) -> Subscription:
    return Subscription.objects.create(name=fields.pop("name", "Учёт"), url=url, events=list(events), **fields)
