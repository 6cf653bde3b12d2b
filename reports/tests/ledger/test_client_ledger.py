"""«Карточка клиента» (reports:client_ledger) over the documents of data.py, whose figures
are worked out by hand there."""

from decimal import Decimal as D
from io import BytesIO

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from clients.tests import factories as client_factories
from crm import roles
from reports.ledger import figures as ledger
from reports.tests.ledger.data import invoice, make_documents, on, payment
from sales.models import Invoice, Payment

URL = reverse("reports:client_ledger")
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def docs(db):
    return make_documents()


def report(http, **params):
    response = http.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def rows(response) -> list[tuple]:
    """(day, document, debit, credit, balance) of each document in the ledger."""
    names = ledger.DocumentNames()
    return [(ledger.day(e.day), names(e), e.debit, e.credit, e.balance) for e in response.context["ledger"].entries]


def figures(response) -> tuple:
    report = response.context["ledger"]
    return report.opening, report.debit, report.credit, report.closing


def shipment(i) -> str:
    return f"Отгрузка по заявке-накладной № {i.number} от {i.date:%d.%m.%Y}"


def paid(p) -> str:
    return f"Оплата № {p.number} от {p.date:%d.%m.%Y}"


# --- figures --------------------------------------------------------------------------------------


def test_march_opens_with_what_was_owed_and_runs_the_balance_through_each_document(client, docs, boss):
    client.force_login(boss)
    response = report(client, client=docs.buyer.pk, **MARCH)
    assert figures(response) == (D("900.00"), D("1450.50"), D("1300.00"), D("1050.50"))
    assert rows(response) == [
        ("05.03.2026", shipment(docs.i3), D("250.50"), D("0"), D("1150.50")),
        ("10.03.2026", paid(docs.p2), D("0"), D("200.00"), D("950.50")),
        ("15.03.2026", shipment(docs.i4), D("1200.00"), D("0"), D("2150.50")),
        ("20.03.2026", paid(docs.p3), D("0"), D("1000.00"), D("1150.50")),
        ("31.03.2026", paid(docs.p4), D("0"), D("100.00"), D("1050.50")),
    ]
    html = response.content.decode()
    for text in ("900,00", "1\xa0150,50", "2\xa0150,50", "1\xa0050,50", "1\xa0450,50", "1\xa0300,00"):
        assert text in html, text
    assert "Договор № 2/26 от 15.01.2026" in html and "— без договора —" in html  # the contract column
    assert "ООО «Чужой»" not in html and "999,00" not in html


@pytest.mark.parametrize(
    ("contract", "expected", "documents"),
    [
        ("k1", (D("400.00"), D("250.50"), D("1000.00"), D("-349.50")), ["i3", "p3"]),
        ("k2", (D("500.00"), D("1200.00"), D("200.00"), D("1500.00")), ["p2", "i4"]),
        ("none", (D("0"), D("0"), D("100.00"), D("-100.00")), ["p4"]),
    ],
)
def test_a_contract_or_no_contract_narrows_the_ledger(client, docs, boss, contract, expected, documents):
    client.force_login(boss)
    value = contract if contract == "none" else getattr(docs, contract).pk
    response = report(client, client=docs.buyer.pk, contract=value, **MARCH)
    assert figures(response) == expected
    numbers = [(e.is_shipment, e.number) for e in response.context["ledger"].entries]
    assert numbers == [(name.startswith("i"), getattr(docs, name).number) for name in documents]
    assert "Договор № 2/26" not in response.context["table_html"] or contract == "k2"


def test_the_contracts_add_up_to_the_client(client, docs, boss):
    client.force_login(boss)
    closings = [
        figures(report(client, client=docs.buyer.pk, contract=c, **MARCH))[3] for c in (docs.k1.pk, docs.k2.pk, "none")
    ]
    assert sum(closings) == D("1050.50")


def test_cancelled_unshipped_and_later_shipments_do_not_count(client, docs, boss):
    client.force_login(boss)
    response = report(client, client=docs.buyer.pk, start="2026-02-01", end="2026-04-30")
    numbers = {e.number for e in response.context["ledger"].entries if e.is_shipment}
    assert numbers == {docs.i1.number, docs.i2.number, docs.i4.number, docs.i3.number, docs.i6.number}
    assert docs.i0.number not in numbers and docs.i5.number not in numbers  # cancelled, ready to ship
    # I6 is dated in March but shipped in April: April's, on its shipment date.
    april = report(client, client=docs.buyer.pk, start="2026-04-01", end="2026-04-30")
    assert rows(april)[0][:3] == ("05.04.2026", shipment(docs.i6), D("80.00"))
    assert figures(april) == (D("1050.50"), D("80.00"), D("50.00"), D("1080.50"))


def test_each_period_opens_with_the_closing_of_the_one_before(client, docs, boss):
    client.force_login(boss)
    february = report(client, client=docs.buyer.pk, start="2026-02-01", end="2026-02-28")
    assert figures(february) == (D("0"), D("1500.00"), D("600.00"), D("900.00"))
    assert figures(report(client, client=docs.buyer.pk, **MARCH))[0] == D("900.00")


def test_the_ledger_balances_and_meets_the_open_amounts_today(client, docs, boss):
    client.force_login(boss)
    today = timezone.localdate().isoformat()
    for params in (MARCH, {"start": "2026-02-15", "end": today}, {"end": today}, {"start": "2026-03-10"}):
        report_ = report(client, client=docs.buyer.pk, **params).context["ledger"]
        assert report_.closing == report_.opening + report_.debit - report_.credit
        balance = report_.opening
        for entry in report_.entries:
            balance += entry.debit - entry.credit
            assert entry.balance == balance
        assert balance == report_.closing
    whole = report(client, client=docs.buyer.pk, end=today).context["ledger"]
    open_shipped = Invoice.objects.filter(client=docs.buyer, status="shipped").aggregate(s=Sum("open_amount"))["s"]
    unallocated = Payment.objects.filter(client=docs.buyer).aggregate(s=Sum("unallocated"))["s"]
    assert (open_shipped, unallocated) == (D("1430.00"), D("349.50"))
    assert whole.opening == D("0")
    assert whole.closing == open_shipped - unallocated == D("1080.50")


def test_a_period_without_a_start_runs_from_the_first_document_and_without_an_end_to_today(client, docs, boss):
    client.force_login(boss)
    response = report(client, client=docs.buyer.pk)
    scope = response.context["ledger"].scope
    assert (scope.start, scope.end) == (None, timezone.localdate())
    assert figures(response) == (D("0"), D("3030.50"), D("1950.00"), D("1080.50"))
    assert len(response.context["ledger"].entries) == 10


def test_a_shipment_comes_before_a_payment_of_the_same_day(client, docs, boss):
    payment(docs.buyer, "10.00", contract=docs.k2, dated=on(15, 3))
    client.force_login(boss)
    entries = report(client, client=docs.buyer.pk, **MARCH).context["ledger"].entries
    same_day = [(e.is_shipment, e.balance) for e in entries if e.day == on(15, 3)]
    assert same_day == [(True, D("2150.50")), (False, D("2140.50"))]


def test_a_client_without_documents_has_a_zero_ledger(client, docs, boss):
    empty = client_factories.ClientFactory(name="ООО «Новый»")
    client.force_login(boss)
    response = report(client, client=empty.pk, **MARCH)
    assert figures(response) == (0, 0, 0, 0)
    assert "За период нет ни отгрузок, ни оплат." in response.content.decode()


# --- choosing the client ----------------------------------------------------------------------------


def test_a_client_is_found_by_name_or_inn(client, docs, boss):
    client.force_login(boss)
    response = report(client, q="покупат", **MARCH)
    assert response.context["ledger"].scope.client == docs.buyer
    assert f'name="client" value="{docs.buyer.pk}"' in response.content.decode()
    by_inn = report(client, q=docs.buyer.inn[:8], **MARCH)
    assert by_inn.context["ledger"].scope.client == docs.buyer


def test_several_matches_are_offered_as_links_that_keep_the_period(client, docs, boss):
    client.force_login(boss)
    response = report(client, q="ООО", **MARCH)
    assert response.context["ledger"] is None
    candidates = response.context["candidates"]
    assert [c.name for c, _ in candidates] == ["ООО «Покупатель»", "ООО «Чужой»"]
    chosen = client.get(candidates[0][1])
    assert chosen.context["ledger"].scope.client == docs.buyer
    assert figures(chosen)[3] == D("1050.50")


def test_typing_another_name_beside_a_chosen_client_searches_again(client, docs, boss):
    client.force_login(boss)
    response = report(client, client=docs.buyer.pk, q="Чужой", contract=docs.k1.pk, **MARCH)
    assert response.context["ledger"].scope.client == docs.stranger
    assert response.context["ledger"].scope.contract is None  # the other client's contract is dropped
    assert not response.context["problems"]


def test_a_manager_finds_only_the_clients_they_may_see(client, docs):
    client.force_login(docs.boris)
    response = report(client, q="Покупатель")
    assert response.context["ledger"] is None
    assert "Не найден клиент «Покупатель»." in response.content.decode()


# --- access -----------------------------------------------------------------------------------------


def test_a_manager_sees_their_own_and_unassigned_clients(client, docs):
    unassigned = client_factories.ClientFactory(name="ООО «Ничей»")
    client.force_login(docs.anna)
    assert figures(report(client, client=docs.buyer.pk, **MARCH))[3] == D("1050.50")
    assert report(client, client=unassigned.pk).context["ledger"] is not None


def test_a_manager_may_not_open_another_managers_client(client, docs):
    client.force_login(docs.boris)
    for params in ({}, {"export": "xlsx"}, {"export": "print"}):
        assert client.get(URL, {"client": docs.buyer.pk, **params}).status_code == 403


def test_users_without_a_role_are_refused(client, docs, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"client": docs.buyer.pk}).status_code == 403


def test_anonymous_users_are_sent_to_login(client, docs):
    response = client.get(URL, {"client": docs.buyer.pk})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [roles.SUPERVISOR, roles.SALES_HEAD, roles.ADMINISTRATOR])
def test_management_sees_every_client(client, docs, role):
    client.force_login(client_factories.UserFactory(username="chief", role=role))
    assert figures(report(client, client=docs.stranger.pk, **MARCH)) == (0, D("999.00"), D("111.00"), D("888.00"))


def test_the_index_links_to_the_ledger_for_everyone(client, docs, boss):
    for user in (boss, docs.anna):
        client.force_login(user)
        assert f'href="{URL}"' in client.get(reverse("reports:index")).content.decode()


def test_the_report_refuses_post(client, docs, boss):
    client.force_login(boss)
    assert client.post(URL, {"client": docs.buyer.pk}).status_code == 405


# --- bad input --------------------------------------------------------------------------------------


def test_a_period_ending_before_it_starts_is_refused_with_a_message(client, docs, boss):
    client.force_login(boss)
    response = report(client, client=docs.buyer.pk, start="2026-03-31", end="2026-03-01")
    html = response.content.decode()
    assert "Конец периода раньше его начала." in html
    assert response.context["problems"]
    assert figures(response)[3] == D("1080.50")  # all documents up to today


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"client": "999999"}, "Клиент не найден."),
        ({"client": "abc"}, "Клиент не найден."),
        ({"client": "-1"}, "Клиент не найден."),
        ({"q": "Нет такого"}, "Не найден клиент «Нет такого»."),
        ({"start": "вчера"}, "Выберите клиента."),
    ],
)
def test_a_client_that_cannot_be_found_is_said_so(client, docs, boss, params, message):
    client.force_login(boss)
    for export in ("", "xlsx", "print"):
        response = client.get(URL, {**params, "export": export})
        assert response.status_code == 200
        assert message in response.content.decode()
        assert response.context["ledger"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"start": "вчера"},
        {"end": "31.02.2026"},
        {"start": "2026-13-01"},
        {"contract": "abc"},
        {"contract": "999999"},
        {"contract": "K3"},
        {"q": "<script>"},
    ],
)
def test_bad_input_gives_a_message_and_a_report_without_it_never_a_500(client, docs, boss, params):
    params = {k: str(docs.k3.pk) if v == "K3" else v for k, v in params.items()}
    client.force_login(boss)
    response = client.get(URL, {"client": docs.buyer.pk, **params})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html
    if "q" in params:
        assert "Не найден клиент" in html
        return
    assert response.context["problems"]
    assert figures(response)[3] == D("1080.50")
    assert client.get(URL, {"client": docs.buyer.pk, **params, "export": "xlsx"}).status_code == 200


def test_a_period_typed_the_russian_way_is_understood(client, docs, boss):
    client.force_login(boss)
    response = report(client, client=docs.buyer.pk, start="01.03.2026", end="31.03.2026")
    assert figures(response) == (D("900.00"), D("1450.50"), D("1300.00"), D("1050.50"))


@pytest.mark.parametrize("params", [{"start": "0001-01-01"}, {"end": "9999-12-31"}])
def test_extreme_dates_are_no_error(client, docs, boss, params):
    client.force_login(boss)
    assert figures(report(client, client=docs.buyer.pk, **params))[3] == D("1080.50")


def test_without_parameters_the_page_asks_for_a_client(client, docs, boss):
    client.force_login(boss)
    response = report(client)
    assert response.context["ledger"] is None and not response.context["problems"]
    assert "Выберите клиента и период" in response.content.decode()
    assert client.get(URL, {"export": "xlsx"}).status_code == 200


# --- Excel and print --------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(BytesIO(response.content)).active


def test_excel_holds_the_ledger_as_numbers(client, docs, boss):
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"client": docs.buyer.pk, **MARCH, "export": "xlsx"}))
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Карточка клиента"
    assert "Клиент: ООО «Покупатель»" in [row[0] for row in values]
    assert "Период: 01.03.2026 — 31.03.2026" in [row[0] for row in values]
    header = values.index(["Дата", "Документ", "Договор", "Отгружено", "Оплачено", "Сальдо"])
    opening, *entries, turnover, closing = values[header + 1 :]
    assert opening[0] == "Сальдо на начало периода" and opening[5] == pytest.approx(900.00)
    assert [(row[1], row[3], row[4], row[5]) for row in entries] == [
        (shipment(docs.i3), 250.5, None, 1150.5),
        (paid(docs.p2), None, 200, 950.5),
        (shipment(docs.i4), 1200, None, 2150.5),
        (paid(docs.p3), None, 1000, 1150.5),
        (paid(docs.p4), None, 100, 1050.5),
    ]
    assert entries[0][0].date() == on(5, 3)
    assert [entries[1][2], entries[4][2]] == ["Договор № 2/26 от 15.01.2026", "— без договора —"]
    assert (turnover[0], turnover[3], turnover[4]) == ("Обороты за период", 1450.5, 1300)
    assert (closing[0], closing[5]) == ("Сальдо на конец периода", 1050.5)


def test_text_that_looks_like_a_formula_stays_text(client, docs, boss):
    evil = client_factories.ClientFactory(name='=HYPERLINK("http://evil","x")')
    invoice(evil, "10.00", dated=on(1, 3), shipped=on(2, 3))
    client.force_login(boss)
    sheet = workbook(client.get(URL, {"client": evil.pk, **MARCH, "export": "xlsx"}))
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert any(c.value == 'Клиент: =HYPERLINK("http://evil","x")' for c in cells)


def test_the_print_view_is_a_clean_a4_page(client, docs, boss):
    client.force_login(boss)
    response = report(client, client=docs.buyer.pk, **MARCH, export="print")
    html = response.content.decode()
    assert "reports/print.css" in html
    assert "navbar" not in html and "bootstrap" not in html
    assert "Клиент: ООО «Покупатель»" in html and "1\xa0050,50" in html
    assert 'id="print-toolbar"' in html  # hidden on paper by @media print


# --- queries ----------------------------------------------------------------------------------------


def test_the_ledger_takes_as_many_queries_whatever_the_number_of_documents(
    client, docs, boss, django_assert_max_num_queries
):
    client.force_login(boss)
    params = {"client": docs.buyer.pk, "contract": docs.k1.pk, **MARCH}
    # session, user, roles, the client, its contracts, the opening balance, the documents; the page
    # adds the top bar's counts
    with django_assert_max_num_queries(9) as before:
        report(client, **params)
    for day in range(1, 29):
        invoice(docs.buyer, "1.00", contract=docs.k1, dated=on(day, 3), shipped=on(day, 3))
        payment(docs.buyer, "1.00", contract=docs.k1, dated=on(day, 3))
    with django_assert_max_num_queries(len(before)) as after:
        assert len(report(client, **params).context["ledger"].entries) == 58
    assert len(after) == len(before)
    for export in ("xlsx", "print"):
        with django_assert_max_num_queries(7):
            client.get(URL, {**params, "export": export})


# --- English ----------------------------------------------------------------------------------------


def test_the_ledger_speaks_english_when_asked(client, docs, boss):
    client.force_login(boss)
    client.post(reverse("set_language"), {"language": "en", "next": URL})
    html = report(client, client=docs.buyer.pk, **MARCH).content.decode()
    for text in ("Client ledger", "Opening balance", "Closing balance", "Payment No.", "1,050.50"):
        assert text in html, text
