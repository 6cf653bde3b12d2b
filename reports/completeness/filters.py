"""The filter of «Заполненность карточек по менеджерам»: the client list's own filters."""

from __future__ import annotations

import django_filters

from clients.filters import ClientFilterSet
from clients.models import Client


class CompletenessFilterSet(django_filters.FilterSet):
    """The client list's own filters of business region, segment, kind and ABC class, under the
    list's names: a count's link to the list carries the report's filter as it is."""

    business_region = ClientFilterSet.declared_filters["business_region"]
    segments = ClientFilterSet.declared_filters["segments"]
    kind = ClientFilterSet.declared_filters["kind"]
    abc_class = ClientFilterSet.declared_filters["abc_class"]
    by_class = ClientFilterSet.by_class  # the method abc_class names
    in_segment = ClientFilterSet.in_segment  # the method segments names: a dynamic segment too
    user = None  # the report reads every manager's clients: a segment is not narrowed to a user

    class Meta:
        model = Client
        fields = ["business_region", "segments", "kind", "abc_class"]
