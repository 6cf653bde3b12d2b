"""`{{ page|my_task_rows }}`: the rows of «Мои дела», drawn in Python — fifty rows of a dozen
template nodes each cost more than the rest of the page (the template's loop drew the same)."""

from django import template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from crm.html import esc
from crm.tables import short_date
from crm.users import user_name

register = template.Library()


@register.filter
def my_task_rows(tasks) -> SafeString:
    postponed_till, postponed, overdue = esc(_("Отложена до")), esc(_("отложена")), esc(_("просрочена"))
    html = []
    for task in tasks:
        late = task.is_overdue
        title = f'<a href="{esc(task.get_absolute_url())}">{esc(task.title)}</a>'
        if task.project:
            title += f' <span class="text-muted small">· {esc(task.project)}</span>'
        if task.is_postponed:
            until = timezone.localtime(task.postponed_until)
            title += (
                f' <span class="badge text-bg-secondary" title="{postponed_till} {short_date(until)} {until:%H:%M}">'
                f"{postponed}</span>"
            )
        importance = esc(task.get_importance_display())
        if task.importance == "high":
            importance = f'<span class="badge text-bg-danger">{importance}</span>'
        due = short_date(task.due_date) if task.due_date else "—"
        if late:
            due += f' <span class="small text-danger">{overdue}</span>'
        row_class = ' class="table-danger"' if late else ""
        html.append(
            f"\n        <tr{row_class}>\n"
            f"          <td>{title}</td>\n"
            f"          <td>{importance}</td>\n"
            f"          <td>{due}</td>\n"
            f"          <td>{esc(task.get_state_display())}</td>\n"
            f"          <td>{esc(localize(task.iteration))}</td>\n"
            f"          <td>{esc(user_name(task.reviewer))}</td>\n"
            "        </tr>\n      "
        )
    return mark_safe("".join(html))
