"""«Заполнить по ИНН» against a local imitation of DaData's «find party by ID» (never the real service)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients.company_data import CompanyDataError, DadataProvider, get_provider, russian_quotes
from clients.models import Client, ClientChange
from clients.tests import factories

TOKEN = "test-token-0123456789"
COMPANY_INN = "7707083893"  # a head office listed after its branch
ENTREPRENEUR_INN = "771234567859"
UNKNOWN_INN = "7736207543"
BROKEN_INN = "5001007329"  # the service answers 500
SLOW_INN = "1650012340"  # the service answers later than the timeout
BUSY_INN = "7712345671"  # 429
GARBAGE_INN = "7801234564"  # HTML instead of JSON
SLOW_SECONDS = 1.5
TIMEOUT = 0.3


def party(inn, kind, short, full, kpp, address, region, branch_type=None):
    return {
        "value": short,
        "unrestricted_value": short,
        "data": {
            "inn": inn,
            "kpp": kpp,
            "type": kind,
            "branch_type": branch_type,
            "name": {"full_with_opf": full, "short_with_opf": short},
            "address": {"value": address, "unrestricted_value": address, "data": region},
        },
    }


MOSCOW = {"region": "Москва", "region_with_type": "г Москва", "region_type": "г", "region_type_full": "город"}
MOSCOW_OBLAST = {
    "region": "Московская",
    "region_with_type": "Московская обл",
    "region_type": "обл",
    "region_type_full": "область",
}
PARTIES = {
    COMPANY_INN: [
        party(
            COMPANY_INN,
            "LEGAL",
            'ООО "МОТОРИКА" (филиал)',
            'ФИЛИАЛ ОБЩЕСТВА С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "МОТОРИКА"',
            "502401001",
            "Московская обл, г Красногорск",
            MOSCOW_OBLAST,
            branch_type="BRANCH",
        ),
        party(
            COMPANY_INN,
            "LEGAL",
            'ООО "МОТОРИКА"',
            'ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "МОТОРИКА"',
            "773101001",
            "121205, г Москва, тер Сколково инновационного центра, Большой б-р, д 42 стр 1",
            MOSCOW,
            branch_type="MAIN",
        ),
    ],
    ENTREPRENEUR_INN: [
        party(
            ENTREPRENEUR_INN,
            "INDIVIDUAL",
            "ИП Иванов Иван Иванович",
            "Индивидуальный предприниматель Иванов Иван Иванович",
            None,
            "Московская обл, г Химки",
            MOSCOW_OBLAST,
        )
    ],
}


class FakeDadata(BaseHTTPRequestHandler):
    """POST /findById/party the way DaData answers it, with a few failures on purpose."""

    requests: list[dict] = []

    def log_message(self, format, *args):
        pass

    def reply(self, status: int, body, content_type: str = "application/json") -> None:
        raw = body.encode() if isinstance(body, str) else json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)
        except OSError:
            pass  # the client gave up waiting

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path != "/findById/party":
            return self.reply(404, {"message": "Not found"})
        if self.headers.get("Authorization") != f"Token {TOKEN}":
            return self.reply(401, {"family": "CLIENT_ERROR", "reason": "Unauthorized", "message": "Bad token"})
        if self.headers.get("Content-Type") != "application/json" or self.headers.get("Accept") != "application/json":
            return self.reply(415, {"message": "Unsupported media type"})
        inn = body.get("query")
        if inn == BROKEN_INN:
            return self.reply(500, {"message": "Internal error"})
        if inn == BUSY_INN:
            return self.reply(429, {"message": "Too many requests"})
        if inn == GARBAGE_INN:
            return self.reply(200, "<html><body>502 Bad Gateway</body></html>", "text/html")
        if inn == SLOW_INN:
            time.sleep(SLOW_SECONDS)
        return self.reply(200, {"suggestions": PARTIES.get(inn, [])})


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A local HTTP server of `handler` in a thread, while the block runs; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def dadata_server():
    with serving(FakeDadata) as url:
        yield url


@pytest.fixture
def dadata(dadata_server, settings):
    """The fake service configured in settings; its `requests` list starts empty."""
    FakeDadata.requests.clear()
    settings.DADATA_TOKEN = TOKEN
    settings.DADATA_URL = dadata_server
    settings.COMPANY_DATA_TIMEOUT = TIMEOUT
    return FakeDadata


def provider(url: str, token: str = TOKEN) -> DadataProvider:
    return DadataProvider(token=token, base_url=url, timeout=TIMEOUT)


# --- the provider ------------------------------------------------------------------------------------


def test_a_company_is_found_with_its_head_office_requisites(dadata, dadata_server):
    found = provider(dadata_server + "/").find_by_inn(f" {COMPANY_INN[:4]} {COMPANY_INN[4:]} ")
    assert found.inn == COMPANY_INN
    assert found.kind == Client.Kind.COMPANY
    assert found.name == "ООО «МОТОРИКА»"
    assert found.full_name == "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «МОТОРИКА»"
    assert found.kpp == "773101001"
    assert found.legal_address.startswith("121205, г Москва")
    assert found.region == "Москва"
    assert found.region_names() == ["Москва", "г Москва"]

    [request] = dadata.requests
    assert request["path"] == "/findById/party"
    assert request["body"] == {"query": COMPANY_INN}
    assert request["headers"]["Authorization"] == f"Token {TOKEN}"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["Accept"] == "application/json"


def test_an_individual_entrepreneur_has_no_kpp_and_a_full_region_name(dadata, dadata_server):
    found = provider(dadata_server).find_by_inn(ENTREPRENEUR_INN)
    assert found.kind == Client.Kind.INDIVIDUAL
    assert found.name == "ИП Иванов Иван Иванович"
    assert found.kpp == ""
    assert found.region == "Московская область"
    assert found.region_names() == ["Московская область", "Московская обл"]


def test_an_unknown_inn_is_none(dadata, dadata_server):
    assert provider(dadata_server).find_by_inn(UNKNOWN_INN) is None


def test_a_wrong_inn_is_refused_before_calling_out(dadata, dadata_server):
    with pytest.raises(ValidationError, match="Неверное контрольное число ИНН"):
        provider(dadata_server).find_by_inn("7707083890")
    with pytest.raises(ValidationError, match="ИНН состоит только из цифр"):
        provider(dadata_server).find_by_inn("77O7083893")
    with pytest.raises(ValidationError, match="Укажите ИНН"):
        provider(dadata_server).find_by_inn("  ")
    assert dadata.requests == []


@pytest.mark.parametrize(
    ("inn", "token", "message"),
    [
        (COMPANY_INN, "wrong-token", "Сервис DaData отклонил ключ доступа: проверьте DADATA_TOKEN."),
        (BUSY_INN, TOKEN, "Слишком много запросов к DaData: попробуйте через минуту."),
        (BROKEN_INN, TOKEN, "Сервис DaData ответил ошибкой 500: попробуйте позже."),
        (GARBAGE_INN, TOKEN, "Сервис DaData вернул непонятный ответ."),
    ],
)
def test_service_errors_become_clear_messages(dadata, dadata_server, inn, token, message):
    with pytest.raises(CompanyDataError) as error:
        provider(dadata_server, token=token).find_by_inn(inn)
    assert str(error.value) == message


def test_a_slow_service_is_given_up_after_the_timeout(dadata, dadata_server):
    started = time.monotonic()
    with pytest.raises(CompanyDataError, match=r"Сервис DaData не ответил за 0\.3 с: попробуйте позже\."):
        provider(dadata_server).find_by_inn(SLOW_INN)
    assert time.monotonic() - started < SLOW_SECONDS


def test_an_unreachable_service_is_reported(dadata):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CompanyDataError, match=r"Сервис DaData недоступен: попробуйте позже\."):
        provider(f"http://127.0.0.1:{port}").find_by_inn(COMPANY_INN)
    with pytest.raises(CompanyDataError, match="Сервис DaData недоступен"):
        provider("not a url").find_by_inn(COMPANY_INN)


def test_no_token_means_no_provider(settings):
    settings.DADATA_TOKEN = ""
    assert get_provider() is None
    settings.DADATA_TOKEN = TOKEN
    settings.DADATA_URL = "http://127.0.0.1:1/rs"
    settings.COMPANY_DATA_TIMEOUT = 2
    configured = get_provider()
    assert (configured.token, configured.base_url, configured.timeout) == (TOKEN, "http://127.0.0.1:1/rs", 2.0)


def test_straight_quotes_become_russian_ones():
    assert russian_quotes('ООО "ТД "ВОЛГА""') == "ООО «ТД «ВОЛГА»»"
    assert russian_quotes('"Ромашка", ООО') == "«Ромашка», ООО"
    assert russian_quotes("ИП Иванов") == "ИП Иванов"


# --- the view ----------------------------------------------------------------------------------------


def fill(client, inn: str, param: str = "client-inn"):
    response = client.get(reverse("clients:fill_by_inn"), {param: inn}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def logged_in(client, owner):
    client.force_login(owner)
    return client


def assert_nothing_saved():
    assert not Client.objects.exists()
    assert not ClientChange.objects.exists()


def test_the_view_shows_what_was_found_and_saves_nothing(logged_in, dadata):
    html = fill(logged_in, COMPANY_INN)
    for text in (
        "ООО «МОТОРИКА»",
        "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «МОТОРИКА»",
        "773101001",
        "г Москва, тер Сколково инновационного центра",
        "Москва",
        "Подставить",
    ):
        assert text in html, text
    assert 'data-kpp="773101001"' in html
    assert 'data-regions="Москва|г Москва"' in html
    assert_nothing_saved()


def test_the_view_takes_the_inn_parameter_too(logged_in, dadata):
    assert "ИП Иванов Иван Иванович" in fill(logged_in, ENTREPRENEUR_INN, param="inn")
    assert 'data-kind="individual"' in fill(logged_in, ENTREPRENEUR_INN, param="inn")


def test_the_view_says_when_nothing_is_found(logged_in, dadata):
    assert f"По ИНН {UNKNOWN_INN} ничего не найдено." in fill(logged_in, UNKNOWN_INN)
    assert_nothing_saved()


def test_the_view_says_when_the_service_is_not_configured(logged_in, dadata, settings):
    settings.DADATA_TOKEN = ""
    assert "Заполнение по ИНН не настроено: укажите DADATA_TOKEN" in fill(logged_in, COMPANY_INN)
    assert dadata.requests == []
    assert_nothing_saved()


def test_the_view_explains_a_wrong_inn_without_calling_out(logged_in, dadata):
    assert "Неверное контрольное число ИНН 7707083890." in fill(logged_in, "7707083890")
    assert "ИНН должен содержать 10 или 12 цифр." in fill(logged_in, "77070838")
    assert "Укажите ИНН." in fill(logged_in, "")
    assert dadata.requests == []
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("inn", "message"),
    [
        (BROKEN_INN, "Сервис DaData ответил ошибкой 500: попробуйте позже."),
        (SLOW_INN, "Сервис DaData не ответил за 0.3 с: попробуйте позже."),
        (GARBAGE_INN, "Сервис DaData вернул непонятный ответ."),
    ],
)
def test_the_view_reports_a_failing_service_not_a_500(logged_in, dadata, inn, message):
    assert message in fill(logged_in, inn)
    assert_nothing_saved()


def test_the_view_reports_a_service_that_is_down(logged_in, dadata, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.DADATA_URL = f"http://127.0.0.1:{sock.getsockname()[1]}"
    assert "Сервис DaData недоступен: попробуйте позже." in fill(logged_in, COMPANY_INN)
    assert_nothing_saved()


def test_the_view_reports_a_rejected_token(logged_in, dadata, settings):
    settings.DADATA_TOKEN = "wrong-token"
    assert "проверьте DADATA_TOKEN" in fill(logged_in, COMPANY_INN)


def test_the_view_needs_a_login_and_a_crm_role(client, outsider, dadata):
    url = reverse("clients:fill_by_inn") + f"?inn={COMPANY_INN}"
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    assert dadata.requests == []


def test_the_card_form_has_the_button(logged_in):
    html = logged_in.get(reverse("clients:create")).content.decode()
    assert 'id="fill-by-inn"' in html
    assert f'hx-get="{reverse("clients:fill_by_inn")}"' in html
    assert 'hx-include="#id_client-inn"' in html
    assert "Заполнить по ИНН" in html


# --- in the browser ----------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_manager_fills_a_new_card_by_inn_and_saves_it(page, live_server, login, reference_data, dadata):
    factories.manager(username="anna", first_name="Анна", last_name="Смирнова")
    moscow = factories.BusinessRegionFactory(name="Москва")
    factories.BusinessRegionFactory(name="Поволжье")
    login(page, live_server, "anna", "secret-pass-1")
    page.goto(f"{live_server.url}/clients/")
    page.click("#create-client")
    page.fill("#id_client-inn", COMPANY_INN)
    page.click("#fill-by-inn")
    assert page.locator("#company-data-name").inner_text() == "ООО «МОТОРИКА»"
    assert page.input_value("#id_client-name") == ""  # nothing changes before «Подставить»

    page.click("#fill-company")
    assert page.input_value("#id_client-name") == "ООО «МОТОРИКА»"
    assert page.input_value("#id_client-full_name") == "ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ «МОТОРИКА»"
    assert page.input_value("#id_client-kpp") == "773101001"
    assert page.input_value("#id_client-legal_address").startswith("121205, г Москва")
    assert page.input_value("#id_client-business_region") == str(moscow.pk)
    assert page.locator("[data-filled]").is_visible()
    assert not Client.objects.exists()

    page.click("#save-client")
    page.wait_for_url(re.compile(r"/clients/\d+/$"))
    assert page.locator("#client-name").inner_text() == "ООО «МОТОРИКА»"
    assert "773101001" in page.content()
    saved = Client.objects.get()
    assert (saved.inn, saved.kpp, saved.business_region, saved.kind) == (
        COMPANY_INN,
        "773101001",
        moscow,
        Client.Kind.COMPANY,
    )
