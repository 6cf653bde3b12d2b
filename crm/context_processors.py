from django.http import HttpRequest

from crm import roles


def user_roles(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    names = roles.role_names(user)
    return {
        "user_role_labels": [str(roles.ROLE_LABELS[n]) for n in roles.ALL_ROLES if n in names],
        "user_is_supervisor": roles.can_manage_all_clients(user),
        "user_is_admin": roles.ADMINISTRATOR in names,
    }
