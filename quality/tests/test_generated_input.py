"""Generated bad input (issue 13) against the steps of the two completeness wizards: what to check
(starting a run and going back to it), the selection's filter, ticking rows, and the distribution
with «Готово». Every example is answered without a 500, and a refused step changes neither the
stored run nor any task."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.tests import factories
from crm.testing import logged_in, submitted_form
from crm.tests.strategies import GENERATED, Snapshot, assert_answered, each_example, mutated, offered_choices
from quality.models import WizardRun
from tasks.models import Task, TaskItem

CHOICES = {
    "due_date": ["01.06.2026", "31.12.9999", "01.01.1900"],
    "control_date": ["02.06.2026", "01.01.2101"],
    "created_after": ["01.01.2026", "9999-12-31"],
    "created_before": ["01.01.2026", "0001-01-01"],
    "key": ["c1", "p1", "c999999999", "x1", "c-1"],
    "ticked": ["1", "0"],
    "back": ["1"],
}


@pytest.fixture
def wizard(db):
    boss = factories.supervisor(username="gen-boss")
    anna = factories.manager(username="gen-anna")
    email = factories.kind("Email")
    alfa = factories.ClientFactory(name="Альфа", responsible=anna, abc_class="B")
    factories.ContactInfoFactory(client=alfa, kind=email, value="info@alfa.ru")
    petrov = factories.ContactPersonFactory(client=alfa, name="Петров Пётр")
    beta = factories.ClientFactory(name="Бета", responsible=anna, abc_class="A")
    delta = factories.ClientFactory(name="Дельта", responsible=None)
    factories.list_field("Лояльность", ["Высокая", "Низкая"])
    ids = [o.pk for o in [boss, anna, email, alfa, petrov, beta, delta]]
    return {"boss": boss, "email": email.pk, "ids": ids, "clients": [alfa, beta, delta, petrov]}


def _forms(browser, wizard_ids) -> tuple[WizardRun, dict[str, tuple[str, dict, dict]]]:
    """A run taken to step 4 as the browser would, and each step's form as its page sends it."""
    forms = {}
    for key, name in [
        ("start_contact_info", "quality:contact_info_wizard"),
        ("start_properties", "quality:properties_wizard"),
    ]:
        url = reverse(name)
        page = browser.get(url).content
        forms[key] = (url, submitted_form(page, "wizard-step1"), offered_choices(page, "wizard-step1"))
    email = str(wizard_ids["email"])
    # What the user ticks on the empty first step: an e-mail, or the first property offered.
    ticked = {"start_contact_info": {"client_kinds": [email], "contact_kinds": [email]}}
    ticked["start_properties"] = {"client_properties": forms["start_properties"][2]["client_properties"][:1]}
    for key, data in ticked.items():
        forms[key] = (forms[key][0], {**forms[key][1], **data}, forms[key][2])
    response = browser.post(forms["start_contact_info"][0], forms["start_contact_info"][1])
    assert response.status_code == 302, response.content.decode()[:3000]
    run = WizardRun.objects.get(kind=WizardRun.Kind.CONTACT_INFO)
    for step in (1, 2, 4):
        url = reverse("quality:run_step", args=[run.pk, step])
        page = browser.get(url).content
        forms[f"step{step}"] = (
            url,
            submitted_form(page, f"wizard-step{step}"),
            offered_choices(page, f"wizard-step{step}"),
        )
    forms["step3"] = (reverse("quality:run_step", args=[run.pk, 3]), {"next": "1"}, {})
    forms["tick"] = (reverse("quality:run_tick", args=[run.pk]), {"key": "c1", "ticked": "0"}, {})
    return run, {key: (url, data, {**CHOICES, **choices}) for key, (url, data, choices) in forms.items()}


def test_the_wizard_steps_answer_generated_input_and_change_nothing_when_refused(wizard):
    browser = logged_in(wizard["boss"])
    run, forms = _forms(browser, wizard)
    ids = [*wizard["ids"], run.pk]
    drawn_forms = st.sampled_from(sorted(forms)).flatmap(
        lambda key: mutated(forms[key][1], ids=ids, choices=forms[key][2], most=4).map(lambda d: (key, d))
    )

    @GENERATED
    @given(drawn_forms)
    def check(drawn):
        key, data = drawn
        with each_example():
            snapshot = Snapshot([WizardRun, Task, TaskItem], [run])
            response = browser.post(forms[key][0], data)
            assert_answered(response, drawn, label=key)
            form = response.context["form"] if response.status_code >= 400 and key == "step4" else None
            if form is not None and form.errors.keys() <= {"__all__"}:
                # A valid distribution refused at «Готово» (say, clients nobody is responsible for
                # and no executor for them) stays on the draft, as every step's choices do; the
                # run is not submitted and no task is made.
                run.refresh_from_db()
                assert run.state == WizardRun.State.DRAFT
                assert snapshot.take()[0] == snapshot.before[0], drawn
            elif response.status_code >= 400:
                snapshot.assert_unchanged(drawn)

    check()
