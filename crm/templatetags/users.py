"""`{% load users %}{{ task.reviewer|user_name }}`: crm.users.user_name in templates («—» for no
user; `|user_name:_("система")` says something else)."""

from django import template

from crm.users import user_name

register = template.Library()
register.filter("user_name", user_name)
