"""«Форма для сайта»: a leads funnel's public key (its address /lead/<key>/), the limit of requests
per address, and the lead deal a visitor's form makes — on the funnel's first stage through
create_deal, with the client cards that have the same ИНН, e-mail or phone named in its first
transition, as the lead's duplicate warning finds them."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from funnel.models import Deal, Funnel
from funnel.services.deals import FunnelError, create_deal, lead_duplicates

logger = logging.getLogger(__name__)


def new_public_key(funnel: Funnel) -> Funnel:
    """Give a leads funnel a new key: the old address stops taking leads at once."""
    if funnel.kind != Funnel.Kind.LEADS:
        raise FunnelError(_("Форма для сайта есть только у воронки лидов."))
    funnel.public_key = secrets.token_urlsafe(18)
    funnel.save(update_fields=["public_key"])
    return funnel


def funnel_of_key(key: str) -> Funnel | None:
    """The active leads funnel whose form has this key."""
    if not key or len(key) > Funnel._meta.get_field("public_key").max_length:
        return None
    return Funnel.objects.filter(public_key=key, kind=Funnel.Kind.LEADS, is_active=True).first()


def may_send(address: str) -> bool:
    """Count a form sent from `address`; False past WEB_LEAD_RATE_LIMIT in WEB_LEAD_RATE_SECONDS.
    With the cache down, forms are let through rather than refused for everyone."""
    key = f"web-lead:{address}"
    try:
        if cache.add(key, 1, timeout=settings.WEB_LEAD_RATE_SECONDS):
            return True
        return cache.incr(key) <= settings.WEB_LEAD_RATE_LIMIT
    except ValueError:  # expired between add and incr
        return True
    except Exception:
        logger.warning("web-to-lead: the cache does not answer; the limit is not applied", exc_info=True)
        return True


@transaction.atomic
def create_web_lead(
    funnel: Funnel, *, company: str, person: str, phone: str, email: str, inn: str, comment: str
) -> Deal:
    """A lead deal from the site's form (values already checked: a phone in E.164, an e-mail, a
    valid ИНН); its first transition says who wrote, what, and which cards match."""
    name = company or person
    deal = Deal(funnel=funnel, title=name, lead_name=name, lead_phone=phone, lead_email=email, lead_inn=inn)
    with override(settings.LANGUAGE_CODE):  # data, stored in the site's language
        deal.source = _("Форма на сайте")
        lines = []
        if company and person:
            lines.append(_("Контактное лицо: %(person)s") % {"person": person})
        if comment:
            lines.append(_("Комментарий: %(comment)s") % {"comment": comment})
        for found in lead_duplicates(deal):
            lines.append(
                _("Совпадает с клиентом «%(client)s» (№ %(id)s): %(reason)s")
                % {"client": found.client.name, "id": found.client.pk, "reason": found.reason}
            )
    return create_deal(deal, user=None, comment="\n".join(lines))
