"""Forms of the client pages, one module per area: card (client, contact info, contact persons)."""

from clients.forms.card import (
    ClientForm,
    ClientInfoFormSet,
    ContactInfoForm,
    ContactInfoKindFormSet,
    ContactPersonForm,
    ContactPersonFormSet,
    PersonInfoFormSet,
)

__all__ = [
    "ClientForm",
    "ClientInfoFormSet",
    "ContactInfoForm",
    "ContactInfoKindFormSet",
    "ContactPersonForm",
    "ContactPersonFormSet",
    "PersonInfoFormSet",
]
