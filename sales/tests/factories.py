import datetime
from decimal import Decimal

import factory

from clients.tests.factories import ClientFactory, manager  # noqa: F401 - re-exported for sales tests
from sales.models import Contract, Product


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Товар {n}")
    price = Decimal("100.00")
    cost = Decimal("60.00")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    client = factory.SubFactory(ClientFactory)
    number = factory.Sequence(lambda n: f"Д-{n}")
    date = datetime.date(2026, 1, 1)
