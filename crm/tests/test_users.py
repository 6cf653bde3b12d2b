"""A user is named one way on pages and in files: crm.users.user_name, in templates `|user_name`."""

from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.utils import translation


def render(text: str, **context) -> str:
    return Template("{% load users %}" + text).render(Context(context))


def test_a_user_is_named_by_the_full_name_or_else_the_login():
    User = get_user_model()
    assert render("{{ u|user_name }}", u=User(username="anna", first_name="Анна", last_name="Смирнова")) == (
        "Анна Смирнова"
    )
    assert render("{{ u|user_name }}", u=User(username="anna")) == "anna"


def test_no_user_is_a_dash_or_what_the_page_says():
    assert render("{{ u|user_name }}", u=None) == "—"
    with translation.override("ru"):
        assert render('{{ u|user_name:_("система") }}', u=None) == "система"


def test_a_name_is_escaped_on_a_page():
    User = get_user_model()
    assert render("{{ u|user_name }}", u=User(username="<b>x</b>")) == "&lt;b&gt;x&lt;/b&gt;"
