"""«Веб-хуки» (Сервис, administrators): subscriptions, their delivery log and «Повторить». Views parse
and render; webhooks.services changes the rows."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm import roles, runs
from crm.access import role_required
from webhooks import services
from webhooks.forms import SubscriptionForm
from webhooks.models import Delivery, Subscription

admins_only = role_required(roles.ADMINISTRATOR)
LOG_PAGE = 50


@require_GET
@admins_only
def subscription_list(request: HttpRequest) -> HttpResponse:
    counts = {status: Count("deliveries", filter=Q(deliveries__status=status)) for status in Delivery.Status.values}
    subscriptions = Subscription.objects.select_related("author").annotate(**counts)
    return render(request, "webhooks/subscription_list.html", {"subscriptions": subscriptions})


@require_http_methods(["GET", "POST"])
@admins_only
def subscription_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk) if pk else Subscription(author=request.user)
    form = SubscriptionForm(request.POST if request.method == "POST" else None, instance=subscription)
    if form.is_bound:
        if form.is_valid():
            created = subscription.pk is None
            services.save_subscription(form.save(commit=False), new_secret=form.cleaned_data.get("new_secret", False))
            if created:
                messages.success(request, _("Подписка создана. Её секрет — ниже: сохраните его у получателя."))
            else:
                messages.success(request, _("Подписка записана."))
            return redirect("webhooks:edit", subscription.pk)
        context = {"form": form, "subscription": subscription}
        return render(request, "webhooks/subscription_form.html", context, status=400)
    return render(request, "webhooks/subscription_form.html", {"form": form, "subscription": subscription})


@require_POST
@admins_only
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk)
    services.delete_subscription(subscription)
    messages.success(request, _("Подписка «%(name)s» удалена.") % {"name": subscription.name})
    return redirect("webhooks:list")


@require_GET
@admins_only
def delivery_log(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=pk)
    deliveries = subscription.deliveries.all()
    status = request.GET.get("status", "")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, LOG_PAGE).get_page(request.GET.get("page"))
    context = {"subscription": subscription, "page": page, "status": status, "statuses": Delivery.Status.choices}
    return render(request, "webhooks/delivery_log.html", context)


@require_POST
@admins_only
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """«Повторить» a failed delivery."""
    delivery = get_object_or_404(Delivery, pk=pk)
    try:
        if services.retry(delivery):
            messages.success(request, _("Доставка поставлена в очередь ещё раз."))
        else:
            messages.info(request, _("Эта доставка уже отправляется или доставлена."))
    except runs.QueueUnavailable as error:
        messages.error(request, str(error))
    return redirect("webhooks:deliveries", delivery.subscription_id)
