"""The sweep of issue 11: every edit form that the app's own round-trip tests do not cover yet —
the settings forms — opened and sent back as the browser sends it, changes nothing. (The card,
deals and their lines, invoices, contracts and tasks have their own, with merging:
clients/sales/funnel/tasks tests/test_round_trip.py.)"""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from clients.models import ContactInfoKind, ExtraField, FieldGroup, RequiredProperty
from clients.tests import factories
from crm import roles
from crm.testing import logged_in, submitted_form
from funnel.models import Funnel, LostReason, Stage
from funnel.tests.factories import FunnelFactory, stages


def rows(*models) -> list[dict]:
    return [model_to_dict(row) for model in models for row in model.objects.order_by("pk")]


@pytest.fixture
def boss(db):
    return factories.supervisor(username="boss")


@pytest.mark.parametrize("value_type", [t for t, _label in ExtraField.ValueType.choices])
def test_an_extra_fields_settings_saved_unchanged_change_nothing(boss, value_type):
    field = factories.ExtraFieldFactory(name="Поле", value_type=value_type, required=True)
    if value_type == ExtraField.ValueType.LIST:
        field.options.create(name="Первое", order=1)
    browser = logged_in(boss)
    url = reverse("clients:field_edit", args=[field.pk])
    before = rows(ExtraField, FieldGroup)

    response = browser.post(url, submitted_form(browser.get(url).content, "field-form"))

    assert response.status_code < 400
    assert rows(ExtraField, FieldGroup) == before


def test_a_section_saved_unchanged_changes_nothing(boss):
    group = factories.FieldGroupFactory(name="Маркетинг")
    browser = logged_in(boss)
    url = reverse("clients:field_group_edit", args=[group.pk])
    before = rows(FieldGroup)
    assert browser.post(url, submitted_form(browser.get(url).content, "group-form")).status_code < 400
    assert rows(FieldGroup) == before


def test_contact_info_kinds_and_required_fields_saved_unchanged_change_nothing(boss):
    browser = logged_in(boss)
    for name, form_id, models in (
        ("clients:contact_info_kinds", "kinds-form", (ContactInfoKind,)),
        ("clients:required_fields", "required-fields", (RequiredProperty, ContactInfoKind, ExtraField)),
    ):
        url = reverse(name)
        before = rows(*models)
        assert browser.post(url, submitted_form(browser.get(url).content, form_id)).status_code < 400, name
        assert rows(*models) == before, name


def test_a_funnel_its_stages_and_lost_reasons_saved_unchanged_change_nothing(db):
    head = factories.UserFactory(username="head", role=roles.SALES_HEAD)
    funnel = FunnelFactory(name="B2B")
    stages(funnel, "Контакт", "Предложение")
    reason = LostReason.objects.create(name="Дорого")
    browser = logged_in(head)
    page = browser.get(reverse("funnel:settings") + f"?funnel={funnel.pk}").content
    before = rows(Funnel, Stage, LostReason)
    actions = [reverse("funnel:funnel_edit", args=[funnel.pk])]
    actions += [reverse("funnel:stage_edit", args=[s.pk]) for s in funnel.stages.all()]
    for action in actions:
        assert browser.post(action, submitted_form(page, action=action)).status_code < 400, action
    reasons = browser.get(reverse("funnel:settings") + f"?funnel={funnel.pk}&tab=reasons").content
    action = reverse("funnel:reason_edit", args=[reason.pk])
    assert browser.post(action, submitted_form(reasons, action=action)).status_code < 400
    assert rows(Funnel, Stage, LostReason) == before
