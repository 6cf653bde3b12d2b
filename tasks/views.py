"""«Мои дела» and the task page. Views parse and render; tasks.services changes the task."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clients import completeness
from clients.models import Client, ContactPerson
from crm import merge
from crm.access import role_required
from crm.panels import MY_WORK
from crm.saved_views import Picker
from tasks import services
from tasks.forms import AttachmentForm, DecisionForm, PostponeForm, TaskEssentialsForm
from tasks.models import Task, TaskAttachment
from tasks.services import TaskError
from tasks.tables import ItemRow, item_rows_html

MY_TASKS_PER_PAGE = 50
# What «Мои дела» shows by default: the tasks still to work on.
STATE_FILTERS = {
    "open": Task.OPEN_STATES,
    "done": (Task.State.DONE,),
    "accepted": (Task.State.ACCEPTED,),
}


def _visible_task(request: HttpRequest, pk: int) -> Task:
    task = get_object_or_404(
        Task.objects.select_related("executor", "reviewer", "author", "project"),
        pk=pk,
    )
    if not task.visible_to(request.user):
        raise Http404
    return task


@role_required()
def my_tasks(request: HttpRequest) -> HttpResponse:
    """«Мои дела»: my tasks (postponed ones hidden until their time) and «Напоминания»: tasks done by
    others that wait for my review, with their progress."""
    state = request.GET.get("state", "open")
    importance = request.GET.get("importance", "")
    overdue = request.GET.get("overdue") == "1"
    due_today = request.GET.get("due") == "today"  # the home page's «на сегодня»
    show_postponed = request.GET.get("postponed") == "1"
    now, today = timezone.now(), timezone.localdate()

    mine = Task.objects.filter(executor=request.user).select_related("reviewer", "project")
    mine = mine.filter(state__in=STATE_FILTERS.get(state, Task.OPEN_STATES))
    if importance in Task.Importance.values:
        mine = mine.filter(importance=importance)
    if overdue:
        mine = mine.filter(due_date__lt=today, state__in=Task.OPEN_STATES)
    if due_today:
        mine = mine.filter(due_date=today)
    if not show_postponed:
        mine = mine.filter(Q(postponed_until__isnull=True) | Q(postponed_until__lte=now))
    mine = mine.order_by("due_date", "-importance", "-id")
    page = Paginator(mine, MY_TASKS_PER_PAGE).get_page(request.GET.get("page"))

    waiting = Task.objects.filter(reviewer=request.user, state=Task.State.DONE)
    reminders = list(waiting.select_related("executor", "project").order_by("-done_at", "-id")[:MY_TASKS_PER_PAGE])
    progress = services.progress_of(reminders)
    for task in reminders:
        task.progress = progress.get(task.pk)

    context = {
        "page": page,
        "reminders": reminders,
        # the top bar's counter has the total; the list shows the oldest ones
        "reminders_shown": len(reminders),
        "state": state,
        "importance": importance,
        "overdue": overdue,
        "due_today": due_today,
        "show_postponed": show_postponed,
        "importances": Task.Importance.choices,
        "today": today,
        "panels": MY_WORK.draw(request.user),
        "saved_views": Picker(request, "tasks"),
    }
    return render(request, "tasks/my_tasks.html", context)


@role_required()
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    return render(request, "tasks/task_detail.html", _detail_context(request, task))


def _detail_context(request: HttpRequest, task: Task, **forms) -> dict:
    items = list(task.items.all())
    lacking = completeness.missing(services.items_of_rows(items))
    labels = completeness.labels({c for item in items for c in item.checks})
    clients = dict(Client.objects.filter(pk__in={i.client_id for i in items}).values_list("pk", "name"))
    contacts = dict(
        ContactPerson.objects.filter(pk__in={i.contact_id for i in items if i.contact_id}).values_list("pk", "name")
    )
    rows = [
        ItemRow(
            client_id=item.client_id,
            client_name=clients.get(item.client_id),
            contact_name=contacts.get(item.contact_id, "") if item.contact_id else "",
            missing=[labels[c] for c in lacking.get((item.client_id, item.contact_id), [])],
        )
        for item in items
    ]
    done, total = completeness.progress(lacking)
    may_edit = services.may_edit(task, request.user)
    return {
        "task": task,
        "rows": item_rows_html(rows, request.path),
        "progress_done": done,
        "progress_total": total,
        "progress_percent": round(100 * done / total) if total else None,
        "actions": [(name, services.TRANSITIONS[name].label) for name in services.allowed_actions(task, request.user)],
        "may_edit": may_edit,
        "may_postpone": task.is_open and request.user.pk == task.executor_id,
        "essentials_form": forms.get("essentials_form") or TaskEssentialsForm(instance=task),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "postpone_form": forms.get("postpone_form") or PostponeForm(),
        "attachment_form": forms.get("attachment_form") or AttachmentForm(),
        "postpone_choices": [(key, label) for key, (_delta, label) in services.POSTPONE_CHOICES.items()],
        "attachments": list(task.attachments.all()),
        "events": list(task.events.select_related("user")),
        "tab": forms.get("tab", request.GET.get("tab", "")),
    }


def _refused(request: HttpRequest, task: Task, error: TaskError, status: int = 409, **forms) -> HttpResponse:
    messages.error(request, str(error))
    return render(request, "tasks/task_detail.html", _detail_context(request, task, **forms), status=status)


@require_POST
@role_required()
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """«Взять в работу», «Выполнено», «Принять», «Вернуть на доработку»."""
    task = _visible_task(request, pk)
    if action not in services.TRANSITIONS:
        raise Http404
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        task = services.transition(task, request.user, action, comment=form.cleaned_data.get("comment", ""))
    except TaskError as error:
        return _refused(request, task, error, decision_form=form)
    state = task.get_state_display()
    messages.success(request, _("Задача «%(title)s»: %(state)s.") % {"title": task.title, "state": state})
    if action in ("accept", "return"):
        return redirect("tasks:my")
    return redirect(task)


@require_POST
@role_required()
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    form = TaskEssentialsForm(request.POST, instance=Task.objects.get(pk=task.pk))
    if not form.is_valid():
        messages.error(request, _("Задача не сохранена: исправьте отмеченные поля."))
        context = _detail_context(request, task, essentials_form=form)
        return render(request, "tasks/task_detail.html", context, status=400)
    try:
        services.update(task, request.user, **form.changes())
    except TaskError as error:
        return _refused(request, task, error, status=403, essentials_form=form)
    except merge.EditConflict as conflict:
        form.rebase(form.stored(conflict.row), conflict.theirs)
        return _refused(request, task, TaskError(merge.CONFLICT_MESSAGE), status=409, essentials_form=form)
    messages.success(request, _("Задача сохранена."))
    return redirect(task)


@require_POST
@role_required()
def task_postpone(request: HttpRequest, pk: int) -> HttpResponse:
    """«Отложить»: for an hour, a day, a week, or until a date and time."""
    task = _visible_task(request, pk)
    form = PostponeForm(request.POST)
    if not form.is_valid():
        error = TaskError(" ".join([*form.non_field_errors(), *form.errors.get("until", [])]) or _("Проверьте дату."))
        return _refused(request, task, error, 400, postpone_form=form)
    period = form.cleaned_data["period"]
    until = timezone.now() + services.POSTPONE_CHOICES[period][0] if period else form.cleaned_data["until"]
    try:
        services.postpone(task, request.user, until)
    except TaskError as error:
        return _refused(request, task, error, postpone_form=form)
    messages.success(
        request, _("Задача отложена до %(until)s.") % {"until": timezone.localtime(until).strftime("%d.%m.%Y %H:%M")}
    )
    return redirect("tasks:my")


@require_POST
@role_required()
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        error = TaskError(" ".join(form.errors.get("file", [])) or _("Выберите файл."))
        return _refused(request, task, error, 400, attachment_form=form, tab="order")
    try:
        services.attach(task, request.user, form.cleaned_data["file"])
    except TaskError as error:
        status = 503 if isinstance(error, services.FileNotStored) else 403
        return _refused(request, task, error, status, attachment_form=form, tab="order")
    messages.success(request, _("Файл «%(name)s» добавлен.") % {"name": form.cleaned_data["file"].name})
    return redirect(f"{task.get_absolute_url()}?tab=order")


@role_required()
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(TaskAttachment.objects.select_related("task"), pk=pk)
    if not attachment.task.visible_to(request.user):
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
