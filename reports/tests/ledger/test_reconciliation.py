"""«Акт сверки взаиморасчетов с покупателем» (reports:reconciliation) over the documents of
data.py, whose figures are worked out by hand there."""

import re
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from clients.tests import factories as client_factories
from crm import roles
from reports.tests.ledger.data import invoice, make_documents, on, payment

URL = reverse("reports:reconciliation")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
COMPANY = "ООО «Наша компания»"


@pytest.fixture
def docs(db):
    return make_documents()


def act(http, **params):
    response = http.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def text(html: str) -> str:
    """The page's words without tags, spaces collapsed (a non-breaking one shown as a space)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " "))


def table(response) -> list[list[str]]:
    """The act's table as rows of cell texts (the client's four columns included)."""
    html = str(response.context["table_html"])
    return [
        [text(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html)
    ]


def sale(i) -> str:
    return f"Реализация по заявке-накладной № {i.number} от {i.date:%d.%m.%Y}"


def paid(p) -> str:
    return f"Оплата № {p.number} от {p.date:%d.%m.%Y}"


def test_the_act_for_march_shows_our_debit_and_credit_with_both_balances(client, docs, boss):
    client.force_login(boss)
    response = act(client, client=docs.buyer.pk, **MARCH)
    rows = table(response)
    assert rows[0] == [f"По данным {COMPANY}, руб.", "По данным ООО «Покупатель», руб."]
    assert rows[1] == ["Дата", "Документ", "Дебет", "Кредит"] * 2
    assert rows[2:] == [
        ["Сальдо начальное", "900,00", "", "Сальдо начальное", "", ""],
        ["05.03.2026", sale(docs.i3), "250,50", "", "", "", "", ""],
        ["10.03.2026", paid(docs.p2), "", "200,00", "", "", "", ""],
        ["15.03.2026", sale(docs.i4), "1 200,00", "", "", "", "", ""],
        ["20.03.2026", paid(docs.p3), "", "1 000,00", "", "", "", ""],
        ["31.03.2026", paid(docs.p4), "", "100,00", "", "", "", ""],
        ["Обороты за период", "1 450,50", "1 300,00", "Обороты за период", "", ""],
        ["Сальдо конечное", "1 050,50", "", "Сальдо конечное", "", ""],
    ]
    words = text(response.content.decode())
    assert "Акт сверки взаимных расчетов за период: 01.03.2026 — 31.03.2026" in words
    assert f"между {COMPANY} и ООО «Покупатель»" in words
    assert f"По данным {COMPANY} на 31.03.2026 задолженность в пользу {COMPANY} составляет 1 050,50 руб." in words
    assert f"От {COMPANY}" in words and "От ООО «Покупатель»" in words
    assert words.count("М.П.") == 2


def test_an_advance_is_owed_to_the_client_and_stands_as_credit(client, docs, boss):
    client.force_login(boss)
    response = act(client, client=docs.buyer.pk, contract=docs.k1.pk, **MARCH)
    rows = table(response)
    assert rows[2] == ["Сальдо начальное", "400,00", "", "Сальдо начальное", "", ""]
    assert [row[1] for row in rows[3:5]] == [sale(docs.i3), paid(docs.p3)]
    assert rows[-2] == ["Обороты за период", "250,50", "1 000,00", "Обороты за период", "", ""]
    assert rows[-1] == ["Сальдо конечное", "", "349,50", "Сальдо конечное", "", ""]
    words = text(response.content.decode())
    assert "по договору № 1/26 от 10.01.2026" in words
    assert f"По данным {COMPANY} на 31.03.2026 задолженность в пользу ООО «Покупатель» составляет 349,50 руб." in words


def test_with_nothing_owed_the_act_says_so(client, docs, boss):
    payment(docs.buyer, "1050.50", contract=docs.k2, dated=on(31, 3))
    client.force_login(boss)
    words = text(act(client, client=docs.buyer.pk, **MARCH).content.decode())
    assert f"По данным {COMPANY} на 31.03.2026 задолженность отсутствует." in words


def test_an_act_without_a_start_is_as_of_its_end(client, docs, boss):
    client.force_login(boss)
    response = act(client, client=docs.buyer.pk, end="2026-03-31")
    assert table(response)[2] == ["Сальдо начальное", "", "", "Сальдо начальное", "", ""]
    words = text(response.content.decode())
    assert "Акт сверки взаимных расчетов по состоянию на 31.03.2026" in words
    assert "составляет 1 050,50 руб." in words


@override_settings(COMPANY_NAME="АО «Поставщик»")
def test_our_company_is_named_by_the_setting(client, docs, boss):
    client.force_login(boss)
    words = text(act(client, client=docs.buyer.pk, **MARCH).content.decode())
    assert "По данным АО «Поставщик» на 31.03.2026 задолженность в пользу АО «Поставщик»" in words
    assert COMPANY not in words


def test_the_client_is_named_by_its_full_name(client, docs, boss):
    docs.buyer.full_name = "Общество с ограниченной ответственностью «Покупатель»"
    docs.buyer.save()
    client.force_login(boss)
    words = text(act(client, client=docs.buyer.pk, **MARCH).content.decode())
    assert f"между {COMPANY} и Общество с ограниченной ответственностью «Покупатель»" in words


# --- Excel and print --------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(response.content)).active


def test_excel_holds_the_act_as_on_paper(client, docs, boss):
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"client": docs.buyer.pk, **MARCH, "export": "xlsx"}))
    values = [[c.value for c in row][:8] for row in sheet.iter_rows()]
    first = [row[0] for row in values]
    assert first[:4] == [
        "Акт сверки взаимных расчетов",
        "за период: 01.03.2026 — 31.03.2026",
        f"между {COMPANY} и ООО «Покупатель»",
        first[3],
    ]
    assert first[3].startswith("Мы, нижеподписавшиеся")
    top = first.index(f"По данным {COMPANY}, руб.")
    assert values[top][4] == "По данным ООО «Покупатель», руб."
    assert values[top + 1] == ["Дата", "Документ", "Дебет", "Кредит"] * 2
    opening, *entries, turnover, closing = values[top + 2 : first.index("Сальдо конечное") + 1]
    assert (opening[0], opening[2], opening[3]) == ("Сальдо начальное", 900, None)
    assert [(row[1], row[2], row[3]) for row in entries] == [
        (sale(docs.i3), 250.5, None),
        (paid(docs.p2), None, 200),
        (sale(docs.i4), 1200, None),
        (paid(docs.p3), None, 1000),
        (paid(docs.p4), None, 100),
    ]
    assert entries[0][0].date() == on(5, 3)
    assert (turnover[0], turnover[2], turnover[3]) == ("Обороты за период", 1450.5, 1300)
    assert (closing[0], closing[2], closing[3]) == ("Сальдо конечное", 1050.5, None)
    sentence = f"По данным {COMPANY} на 31.03.2026 задолженность в пользу {COMPANY} составляет 1\xa0050,50 руб."
    assert sentence in first
    signatures = values[first.index(f"От {COMPANY}")]
    assert signatures[4] == "От ООО «Покупатель»"
    assert first.count("М.П.") == 1 and values[first.index("М.П.")][4] == "М.П."


def test_text_that_looks_like_a_formula_stays_text(client, docs, boss):
    evil = client_factories.ClientFactory(name="@SUM(1+1)*cmd|' /C calc'!A0")
    invoice(evil, "10.00", dated=on(1, 3), shipped=on(2, 3))
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"client": evil.pk, **MARCH, "export": "xlsx"}))
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == "От @SUM(1+1)*cmd|' /C calc'!A0" for c in cells)


def test_the_print_view_is_a_clean_a4_page_with_the_signatures(client, docs, boss):
    client.force_login(boss)
    html = act(client, client=docs.buyer.pk, **MARCH, export="print").content.decode()
    assert "reports/print.css" in html
    assert "navbar" not in html and "bootstrap" not in html
    words = text(html)
    assert "составляет 1 050,50 руб." in words
    assert 'id="act-signatures"' in html and words.count("М.П.") == 2


# --- access and queries -----------------------------------------------------------------------------


def test_a_manager_may_not_see_another_managers_act(client, docs):
    client.force_login(docs.boris)
    for params in ({}, {"export": "xlsx"}, {"export": "print"}):
        assert client.get(URL, {"client": docs.buyer.pk, **MARCH, **params}).status_code == 403
    assert act(client, client=docs.stranger.pk, **MARCH).context["ledger"] is not None


def test_the_owner_and_management_see_the_act(client, docs):
    users = [docs.anna] + [
        client_factories.UserFactory(username=f"u{i}", role=role)
        for i, role in enumerate((roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR))
    ]
    for user in users:
        client.force_login(user)
        assert act(client, client=docs.buyer.pk, **MARCH).context["ledger"].closing == D("1050.50")


def test_users_without_a_role_are_refused(client, docs, outsider):
    client.force_login(outsider)
    assert client.get(URL, {"client": docs.buyer.pk}).status_code == 403


def test_bad_input_gives_a_message_never_a_500(client, docs, boss):
    client.force_login(boss)
    for params in (
        {"client": docs.buyer.pk, "start": "2026-03-31", "end": "2026-03-01"},
        {"client": docs.buyer.pk, "end": "завтра"},
        {"client": docs.buyer.pk, "contract": docs.k3.pk},
        {"client": "999999"},
    ):
        for export in ("", "xlsx", "print"):
            response = client.get(URL, {**params, "export": export})
            assert response.status_code == 200, (params, export)
        assert act(client, **params).context["problems"], params


def test_the_index_links_to_the_act(client, docs):
    client.force_login(docs.anna)
    assert f'href="{URL}"' in client.get(reverse("reports:index")).content.decode()


def test_the_act_takes_as_many_queries_whatever_the_number_of_documents(
    client, docs, boss, django_assert_max_num_queries
):
    client.force_login(boss)
    params = {"client": docs.buyer.pk, **MARCH}
    with django_assert_max_num_queries(9) as before:
        act(client, **params)
    for day in range(1, 29):
        invoice(docs.buyer, "1.00", contract=docs.k2, dated=on(day, 3), shipped=on(day, 3))
        payment(docs.buyer, "1.00", dated=on(day, 3))
    with django_assert_max_num_queries(len(before)):
        assert len(act(client, **params).context["ledger"].entries) == 61
    for export in ("xlsx", "print"):
        with django_assert_max_num_queries(7):
            client.get(URL, {**params, "export": export})


def test_the_act_speaks_english_when_asked(client, docs, boss):
    client.force_login(boss)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    words = text(act(client, client=docs.buyer.pk, **MARCH).content.decode())
    for phrase in ("Reconciliation statement", "Opening balance", "Debit", "Credit", "Sale under invoice No."):
        assert phrase in words, phrase
    assert "the debt in favour of" in words and "is 1,050.50 RUB" in words
