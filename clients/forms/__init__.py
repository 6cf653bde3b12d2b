"""Forms of the client pages, one module per area: card (client, contact info, contact persons)."""

from clients.forms.bulk import BulkEditForm
from clients.forms.card import (
    ClientForm,
    ClientInfoFormSet,
    ContactInfoForm,
    ContactInfoKindFormSet,
    ContactPersonForm,
    ContactPersonFormSet,
    OfferedKinds,
    PersonInfoFormSet,
    card_input,
)
from clients.forms.completeness import RequiredFieldsForm
from clients.forms.fields import (
    FieldCreateForm,
    FieldEditForm,
    FieldGroupForm,
    FieldMoveForm,
    FieldOptionForm,
)
from clients.forms.imports import ImportMappingForm, ImportUploadForm

__all__ = [
    "ClientForm",
    "ClientInfoFormSet",
    "ContactInfoForm",
    "ContactInfoKindFormSet",
    "ContactPersonForm",
    "ContactPersonFormSet",
    "OfferedKinds",
    "PersonInfoFormSet",
    "card_input",
]
__all__ += [
    "FieldCreateForm",
    "FieldEditForm",
    "FieldGroupForm",
    "FieldMoveForm",
    "FieldOptionForm",
]
__all__ += ["BulkEditForm"]
__all__ += ["ImportMappingForm", "ImportUploadForm"]
__all__ += ["RequiredFieldsForm"]
