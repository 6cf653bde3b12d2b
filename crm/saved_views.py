"""«Сохранённые отборы»: a list's filters, sort, page size and columns kept under a name, private or
shared with a role or with everyone, and picked from the list's header.

A view stores only a query string: opening one is opening the list at that address, so its rows
still come through the list's own `get_queryset` — a manager opening a supervisor's shared view
sees only the rows the manager may see. `Picker` is what a page shows (one query, and only when
drawn): crm.lists.ListView has one for every list with a key; a page that is not a ListView makes
one with its key (`Picker(request, "deals")`) and includes crm/_saved_views.html."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.utils.translation import gettext as _

from crm import roles
from crm.models import SavedView

# Parts of an address that are not the view: where the user is in the list, and the page's own
# switches (the view itself, «Колонки» kept apart, the client list's panel of extra filters).
NOT_SAVED = frozenset({"page", "after", "before", "view", "columns", "extra_filters", "csrfmiddlewaretoken"})
MAX_QUERY = 4000
EVERYONE = "*"  # the sharing choice «Всем»; a role's name is the choice of that role


class SavedViewError(ValueError):
    """What was wrong with a name or a choice, for the page."""


def normalised_query(query: str | QueryDict) -> str:
    """The query string as a view keeps it: keys in order, no empty values, no page number."""
    if isinstance(query, str):
        query = QueryDict(query)
    pairs = [(key, value) for key, values in query.lists() if key not in NOT_SAVED for value in values if value != ""]
    return urlencode(sorted(pairs, key=lambda pair: pair[0]))  # a key's values keep their order


def visible_views(user, key: str) -> QuerySet[SavedView]:
    """The views of the list `key` the user may pick: their own, and those shared with one of
    their roles or with everyone."""
    shared = Q(sharing=SavedView.Sharing.EVERYONE) | Q(
        sharing=SavedView.Sharing.ROLE, role__name__in=sorted(roles.role_names(user))
    )
    return SavedView.objects.filter(Q(author=user) | shared, key=key).select_related("author")


def may_change(view: SavedView, user) -> bool:
    """Only the author changes a view (an administrator too)."""
    return view.author_id == user.pk or roles.has_any_role(user, roles.ADMINISTRATOR)


def changeable_view(user, pk: int) -> SavedView:
    """The view the user may change: 404 when the user cannot even pick it, 403 when it is not theirs."""
    view = SavedView.objects.filter(pk=pk).first()
    if view is None:
        raise Http404
    if may_change(view, user):
        return view
    if visible_views(user, view.key).filter(pk=pk).exists():
        raise PermissionDenied
    raise Http404


def sharing_of(choice: str) -> tuple[str, Group | None]:
    """The sharing and role of a choice of the form: "" only me, EVERYONE, or a role's name."""
    if choice == "":
        return SavedView.Sharing.PRIVATE, None
    if choice == EVERYONE:
        return SavedView.Sharing.EVERYONE, None
    role = Group.objects.filter(name=choice, name__in=roles.ALL_ROLES).first()
    if role is None:
        raise SavedViewError(_("Нет такой роли: %(role)s.") % {"role": choice})
    return SavedView.Sharing.ROLE, role


def sharing_choice(view: SavedView) -> str:
    if view.sharing == SavedView.Sharing.EVERYONE:
        return EVERYONE
    return view.role.name if view.sharing == SavedView.Sharing.ROLE and view.role else ""


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise SavedViewError(_("Укажите наименование отбора."))
    if len(name) > SavedView._meta.get_field("name").max_length:
        raise SavedViewError(_("Наименование отбора длиннее 100 символов."))
    return name


def _clean_query(query: str) -> str:
    query = normalised_query(query)
    if len(query) > MAX_QUERY:
        raise SavedViewError(_("Отбор слишком длинный, чтобы его сохранить."))
    return query


def _saved(view: SavedView) -> SavedView:
    """Write the view; a name the author already gave another view of the list is refused."""
    try:
        with transaction.atomic():
            view.save()
    except IntegrityError:
        raise SavedViewError(
            _("Отбор «%(name)s» уже есть: выберите другое наименование.") % {"name": view.name}
        ) from None
    return view


def save_view(user, key: str, name: str, query: str, columns: list[str] | None = None, share: str = "") -> SavedView:
    """«Сохранить отбор…»: a new view of the list `key` by `user`."""
    if not key or len(key) > SavedView._meta.get_field("key").max_length:
        raise SavedViewError(_("Неизвестный список."))
    sharing, role = sharing_of(share)
    view = SavedView(
        key=key,
        name=_clean_name(name),
        author=user,
        query=_clean_query(query),
        columns=columns,
        sharing=sharing,
        role=role,
    )
    return _saved(view)


def update_view(view: SavedView, query: str, columns: list[str] | None, share: str) -> SavedView:
    """«Изменить»: the view takes the list's current filters, sort, page size and columns, and the
    sharing chosen; everybody who picks it gets the new ones."""
    view.query = _clean_query(query)
    view.columns = columns
    view.sharing, view.role = sharing_of(share)
    return _saved(view)


def rename_view(view: SavedView, name: str) -> SavedView:
    """«Переименовать»."""
    view.name = _clean_name(name)
    return _saved(view)


def delete_view(view: SavedView) -> None:
    """«Удалить»."""
    view.delete()


def view_address(path: str, view: SavedView) -> str:
    """The list at `path` opened with the view: its query string, and the view named (for its columns)."""
    query = f"{view.query}&view={view.pk}" if view.query else f"view={view.pk}"
    return f"{path}?{query}"


@dataclass
class Choice:
    """A view as the picker shows it."""

    view: SavedView
    url: str
    mine: bool
    changeable: bool

    @property
    def pk(self) -> int:
        return self.view.pk

    @property
    def name(self) -> str:
        return self.view.name


class Picker:
    """The views of one list for the page's header: what there is to pick, the one picked
    (`?view=`), and what «Сохранить отбор…» keeps. Reads the views once, when first asked."""

    def __init__(self, request: HttpRequest, key: str, columns: list[str] | None = None):
        self.request = request
        self.key = key
        self.path = request.path
        self.columns = columns  # the columns shown, set by the page before it is drawn

    @cached_property
    def choices(self) -> list[Choice]:
        user = self.request.user
        return [
            Choice(view, self.url_of(view), view.author_id == user.pk, may_change(view, user))
            for view in visible_views(user, self.key)
        ]

    @cached_property
    def current(self) -> Choice | None:
        """The view the page was opened with, when the user may pick it."""
        pk = self.request.GET.get("view", "")
        if not (pk.isascii() and pk.isdigit()):
            return None
        return next((choice for choice in self.choices if str(choice.pk) == pk), None)

    def url_of(self, view: SavedView) -> str:
        return view_address(self.path, view)

    @cached_property
    def query(self) -> str:
        """The list's query string as the page was drawn (the browser sends the one of the
        moment, which htmx may have changed since)."""
        return normalised_query(self.request.GET)

    @property
    def share_choices(self) -> list[tuple[str, str]]:
        return [
            ("", _("Только мне")),
            *((name, str(label)) for name, label in roles.ROLE_LABELS.items()),
            (EVERYONE, _("Всем")),
        ]

    @property
    def current_share(self) -> str:
        return sharing_choice(self.current.view) if self.current else ""

    def current_columns(self, known: list[str]) -> list[str] | None:
        """The columns of the view picked, unless the user is choosing columns right now
        (`?columns=`, kept as the user's own «Колонки»)."""
        if "columns" in self.request.GET or "view" not in self.request.GET:
            return None
        current = self.current
        if current is None or current.view.columns is None:
            return None
        known = set(known)
        return [name for name in current.view.columns if name in known]
