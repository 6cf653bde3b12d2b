"""«Заполнить по ИНН»: a company's requisites from an outside service.

`CompanyDataProvider` is what the card needs; `DadataProvider` implements it with DaData's «find
party by ID» API (or any service that speaks it), through the standard library only. A provider
raises ValidationError for a wrong ИНН (nothing is sent then) and CompanyDataError, whose text is
meant for the user, when the service cannot answer.
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from clients.models import Client
from clients.validators import clean_inn

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://suggestions.dadata.ru/suggestions/api/4_1/rs"
DEFAULT_TIMEOUT = 5.0
# A party is a few kilobytes; anything much larger is not an answer to our question.
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


class CompanyDataError(Exception):
    """The service gave no usable answer; str(error) is a message for the user."""


@dataclass(frozen=True)
class CompanyData:
    inn: str
    name: str  # short, with the legal form: ООО «Ромашка», ИП Иванов Иван Иванович
    full_name: str = ""
    kpp: str = ""
    legal_address: str = ""
    region: str = ""  # «Москва», «Московская область», «Республика Татарстан»
    region_with_type: str = ""  # the service's short form: «г Москва», «Московская обл», «Респ Татарстан»
    kind: str = Client.Kind.COMPANY
    # The state in the state register (Client.RegistryStatus), "" when the service does not say.
    status: str = ""

    @property
    def kind_label(self) -> str:
        return str(Client.Kind(self.kind).label)

    def region_names(self) -> list[str]:
        """The spellings of the region that a business region may be named by."""
        return list(dict.fromkeys(name for name in (self.region, self.region_with_type) if name))


class CompanyDataProvider(Protocol):
    def find_by_inn(self, inn: str) -> CompanyData | None:
        """The company or individual entrepreneur with this ИНН, None when the service knows none.
        Raises ValidationError for a wrong ИНН and CompanyDataError when the service fails."""


def kind_by_inn(inn: str) -> str:
    return Client.Kind.INDIVIDUAL if len(inn) == 12 else Client.Kind.COMPANY


def russian_quotes(text: str) -> str:
    """ООО "ТД "ВОЛГА"" → ООО «ТД «ВОЛГА»»: a quote after a space or at the start opens, others close."""
    result = []
    for i, char in enumerate(text):
        if char == '"':
            opens = i == 0 or text[i - 1] in " («"
            result.append("«" if opens else "»")
        else:
            result.append(char)
    return "".join(result)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# DaData's data.state.status → Client.RegistryStatus.
STATUSES = {
    "ACTIVE": Client.RegistryStatus.ACTIVE,
    "LIQUIDATING": Client.RegistryStatus.LIQUIDATING,
    "LIQUIDATED": Client.RegistryStatus.LIQUIDATED,
    "BANKRUPT": Client.RegistryStatus.BANKRUPT,
    "REORGANIZING": Client.RegistryStatus.REORGANIZING,
}


def _region_name(address: dict) -> str:
    """The region as people write it: «Москва» for «г Москва», «Московская область» for «Московская обл»."""
    region = _text(address.get("region"))
    with_type = _text(address.get("region_with_type"))
    short_type = _text(address.get("region_type"))
    full_type = _text(address.get("region_type_full"))
    if not region:
        return with_type
    if not short_type or not full_type:
        return with_type or region
    if short_type == "г":
        return region
    if with_type == f"{short_type} {region}":
        return f"{full_type[:1].upper()}{full_type[1:]} {region}"
    if with_type == f"{region} {short_type}":
        return f"{region} {full_type}"
    return with_type or region


class DadataProvider:
    """DaData's «find party by ID»: POST {base_url}/findById/party with {"query": inn}."""

    def __init__(self, token: str, base_url: str, timeout: float = DEFAULT_TIMEOUT):
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def find_by_inn(self, inn: str) -> CompanyData | None:
        inn = clean_inn(inn)
        if not inn:
            raise ValidationError(_("Укажите ИНН."), code="inn_required")
        suggestions = self._post("findById/party", {"query": inn}).get("suggestions")
        if not isinstance(suggestions, list):
            raise CompanyDataError(_("Сервис DaData вернул непонятный ответ."))
        if not suggestions:
            return None
        try:
            # An organisation comes with its branches, each with its own КПП: take the head office.
            main = next((s for s in suggestions if s["data"].get("branch_type") == "MAIN"), suggestions[0])
            return self._parse(inn, main)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            logger.warning("DaData: unexpected party for ИНН %s: %r", inn, error)
            raise CompanyDataError(_("Сервис DaData вернул непонятный ответ.")) from error

    def _parse(self, inn: str, suggestion: dict) -> CompanyData:
        data = suggestion.get("data") or {}
        names = data.get("name") or {}
        address = data.get("address") or {}
        address_data = address.get("data") or {}
        party_type = data.get("type")
        if party_type == "LEGAL":
            kind = Client.Kind.COMPANY
        elif party_type == "INDIVIDUAL":
            kind = Client.Kind.INDIVIDUAL
        else:
            kind = kind_by_inn(inn)
        name = _text(names.get("short_with_opf")) or _text(suggestion.get("value")) or _text(names.get("full_with_opf"))
        if not name:
            raise ValueError("a party without a name")
        return CompanyData(
            inn=_text(data.get("inn")) or inn,
            name=russian_quotes(name),
            full_name=russian_quotes(_text(names.get("full_with_opf"))),
            kpp=_text(data.get("kpp")) if kind == Client.Kind.COMPANY else "",
            legal_address=_text(address.get("unrestricted_value")) or _text(address.get("value")),
            region=_region_name(address_data),
            region_with_type=_text(address_data.get("region_with_type")),
            kind=kind,
            status=STATUSES.get(_text((data.get("state") or {}).get("status")), ""),
        )

    def _post(self, method: str, payload: dict) -> dict:
        url = f"{self.base_url}/{method}"
        headers = {
            "Authorization": f"Token {self.token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        try:
            request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = response.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as error:
            logger.warning("DaData: HTTP %s from %s", error.code, url)
            error.close()
            if error.code in (401, 403):
                raise CompanyDataError(_("Сервис DaData отклонил ключ доступа: проверьте DADATA_TOKEN.")) from error
            if error.code == 429:
                raise CompanyDataError(_("Слишком много запросов к DaData: попробуйте через минуту.")) from error
            raise CompanyDataError(
                _("Сервис DaData ответил ошибкой %(status)s: попробуйте позже.") % {"status": error.code}
            ) from error
        except (TimeoutError, urllib.error.URLError) as error:
            reason = getattr(error, "reason", error)
            logger.warning("DaData: %s unreachable: %r", url, reason)
            if isinstance(reason, TimeoutError):
                raise CompanyDataError(
                    _("Сервис DaData не ответил за %(seconds)s с: попробуйте позже.") % {"seconds": f"{self.timeout:g}"}
                ) from error
            raise CompanyDataError(_("Сервис DaData недоступен: попробуйте позже.")) from error
        except (OSError, http.client.HTTPException, ValueError) as error:
            # A dropped connection, a broken reply, a malformed DADATA_URL.
            logger.warning("DaData: request to %s failed: %r", url, error)
            raise CompanyDataError(_("Сервис DaData недоступен: попробуйте позже.")) from error
        if len(body) > MAX_RESPONSE_BYTES:
            raise CompanyDataError(_("Сервис DaData вернул непонятный ответ."))
        try:
            answer = json.loads(body)
        except ValueError as error:
            logger.warning("DaData: not JSON from %s: %r", url, body[:200])
            raise CompanyDataError(_("Сервис DaData вернул непонятный ответ.")) from error
        if not isinstance(answer, dict):
            raise CompanyDataError(_("Сервис DaData вернул непонятный ответ."))
        return answer


def get_provider() -> CompanyDataProvider | None:
    """The configured provider, or None when no DADATA_TOKEN is set."""
    token = getattr(settings, "DADATA_TOKEN", "")
    if not token:
        return None
    return DadataProvider(
        token=token,
        base_url=getattr(settings, "DADATA_URL", "") or DEFAULT_URL,
        timeout=float(getattr(settings, "COMPANY_DATA_TIMEOUT", DEFAULT_TIMEOUT)),
    )


@dataclass(frozen=True)
class Lookup:
    """What «Заполнить по ИНН» shows: the company found, or why there is none."""

    inn: str
    found: CompanyData | None = None
    message: str = ""
    level: str = "warning"  # how serious the message is, as a Bootstrap alert colour


def look_up(inn: str) -> Lookup:
    """Ask the configured provider about the ИНН; every failure becomes a message for the user."""
    inn = (inn or "").strip()
    provider = get_provider()
    if provider is None:
        return Lookup(inn, message=_("Заполнение по ИНН не настроено: укажите DADATA_TOKEN."), level="secondary")
    try:
        found = provider.find_by_inn(inn)
    except ValidationError as error:
        return Lookup(inn, message=" ".join(error.messages))
    except CompanyDataError as error:
        return Lookup(inn, message=str(error), level="danger")
    if found is None:
        return Lookup(inn, message=_("По ИНН %(inn)s ничего не найдено.") % {"inn": clean_inn(inn)})
    return Lookup(inn, found=found)
