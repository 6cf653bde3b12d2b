from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tasks import services


def my_tasks_counts(request: HttpRequest) -> dict:
    """`my_tasks.tasks` and `my_tasks.reminders` for the top bar: my tasks to do now, and tasks
    waiting for my review. One query, made only when a page draws the top bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"my_tasks": SimpleLazyObject(lambda: services.counts_for(user))}
