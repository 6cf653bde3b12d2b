"""The demo users (Django's password validators do not apply here, the passwords are for the demo
only), and every manager's name drawn whatever the size, so manager2 has the same name at S and at L:

    manager / demo-manager          Менеджер (also manager2, manager3, ... with the same password)
    supervisor / demo-supervisor    Руководитель
    saleshead / demo-saleshead      Руководитель отдела продаж
    admin / demo-admin              Администратор, superuser and staff
"""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from crm import roles

# Managers per size; with supervisor, saleshead and admin, size L has 50 users.
MANAGERS = {"XS": 2, "S": 5, "M": 12, "L": 47, "XL": 197}
# Users: username, password, role, superuser.
DEMO_USERS = (
    ("manager", "demo-manager", roles.MANAGER, False),
    ("supervisor", "demo-supervisor", roles.SUPERVISOR, False),
    ("saleshead", "demo-saleshead", roles.SALES_HEAD, False),
    ("admin", "demo-admin", roles.ADMINISTRATOR, True),
)
EXTRA_MANAGER_PASSWORD = "demo-manager"

_password_hashes: dict[str, str] = {}


def _password_hash(password: str) -> str:
    # Hashing is deliberately slow; the demo users share a handful of passwords, hash each once.
    if password not in _password_hashes:
        _password_hashes[password] = make_password(password)
    return _password_hashes[password]


def ensure_users(size: str) -> tuple[list, dict[str, Any]]:
    """Create or refresh the demo users of `size`; returns (managers, users by username).

    Every user's name is drawn whatever the size, so manager2 has the same name at S and at L."""
    from faker import Faker

    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=roles.ALL_ROLES)}
    for name in roles.ALL_ROLES:
        if name not in groups:
            groups[name] = Group.objects.create(name=name)
    extra = [
        (f"manager{i}", EXTRA_MANAGER_PASSWORD, roles.MANAGER, False) for i in range(2, max(MANAGERS.values()) + 1)
    ]
    wanted = {spec[0] for spec in DEMO_USERS} | {f"manager{i}" for i in range(2, MANAGERS[size] + 1)}
    fake = Faker("ru_RU")
    fake.seed_instance(20240101)
    name_rng = random.Random("demo-users")
    users: dict[str, Any] = {}
    for username, password, role, superuser in (*DEMO_USERS, *extra):
        if name_rng.random() < 0.5:
            first, last = fake.first_name_male(), fake.last_name_male()
        else:
            first, last = fake.first_name_female(), fake.last_name_female()
        if username not in wanted:
            continue
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@example.com"
        user.is_active = True
        user.is_superuser = user.is_staff = superuser
        user.password = _password_hash(password)
        user.save()
        user.groups.set([groups[role]])
        users[username] = user
    managers = [users["manager"]] + [users[f"manager{i}"] for i in range(2, MANAGERS[size] + 1)]
    return managers, users


def manager_ids() -> list[int]:
    """The active managers, in the order they were made."""
    managers = get_user_model().objects.filter(groups__name=roles.MANAGER, is_active=True).order_by("pk")
    return list(managers.values_list("pk", flat=True))
