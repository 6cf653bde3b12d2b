import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from faker import Faker

from clients.models import (
    BusinessRegion,
    Client,
    ContactInfo,
    ContactInfoKind,
    ContactPerson,
    ExtraField,
    ExtraFieldOption,
    FieldGroup,
    Segment,
)
from crm import roles

fake = Faker("ru_RU")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyFunction(fake.first_name)
    last_name = factory.LazyFunction(fake.last_name)
    password = factory.PostGenerationMethodCall("set_password", "secret-pass-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


def manager(**kwargs):
    return UserFactory(role=roles.MANAGER, **kwargs)


def supervisor(**kwargs):
    return UserFactory(role=roles.SUPERVISOR, **kwargs)


class BusinessRegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessRegion
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Регион {n}")


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Сегмент {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    kind = Client.Kind.COMPANY
    name = factory.LazyFunction(fake.company)
    inn = factory.LazyFunction(fake.businesses_inn)
    kpp = factory.LazyFunction(fake.kpp)


class ContactPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactPerson

    client = factory.SubFactory(ClientFactory)
    name = factory.LazyFunction(fake.name)
    position = "отвечает за закупки"


def kind(name: str) -> ContactInfoKind:
    return ContactInfoKind.objects.get(name=name)


class ContactInfoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactInfo

    kind = factory.LazyFunction(lambda: ContactInfoKind.objects.get(name="Телефон"))
    client = factory.SubFactory(ClientFactory)
    value = "+79161234567"


class FieldGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FieldGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Раздел {n}")
    order = factory.Sequence(lambda n: n)


def default_group() -> FieldGroup:
    return FieldGroup.objects.get(name="Дополнительно")


class ExtraFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExtraField

    name = factory.Sequence(lambda n: f"Поле {n}")
    value_type = ExtraField.ValueType.STRING
    group = factory.LazyFunction(default_group)
    order = factory.Sequence(lambda n: n)


def list_field(name: str, options: list[str], **kwargs) -> ExtraField:
    field = ExtraFieldFactory(name=name, value_type=ExtraField.ValueType.LIST, **kwargs)
    for order, option in enumerate(options):
        ExtraFieldOption.objects.create(field=field, name=option, order=order)
    return field


def option(field: ExtraField, name: str) -> ExtraFieldOption:
    return field.options.get(name=name)
