import factory

from clients.tests.factories import ClientFactory, manager  # noqa: F401 - re-exported for funnel tests
from funnel.models import Funnel, LostReason, Stage


class FunnelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Funnel
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Воронка {n}")


def stages(funnel: Funnel, *names: str) -> list[Stage]:
    """Open stages in order, then «Успех» and «Провал»."""
    made = [Stage.objects.create(funnel=funnel, name=n, order=i) for i, n in enumerate(names)]
    made.append(Stage.objects.create(funnel=funnel, name="Успех", order=90, kind=Stage.Kind.WON, probability=100))
    made.append(Stage.objects.create(funnel=funnel, name="Провал", order=99, kind=Stage.Kind.LOST))
    return made


def reason(name: str = "Дорого") -> LostReason:
    return LostReason.objects.get_or_create(name=name)[0]
