import factory

from clients.tests.factories import UserFactory, manager, supervisor  # noqa: F401 - re-exported for task tests
from crm.models import Project
from tasks.models import Task


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Проект {n}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Задача {n}")
    executor = factory.LazyFunction(manager)
