"""Fixtures of the crm tests: the data of the access matrix (test_access_matrix.py), and real service
processes for the fault tests (crm.tests.processes)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api.services import tokens as api_tokens
from clients import services as client_services
from clients.models import BulkEditRun, ClientExport, ClientMerge, DuplicateSearch
from clients.tests import factories
from crm import roles, saved_views
from crm.tests.processes import OwnRedis, Worker
from funnel import services as funnel_services
from funnel.models import Deal
from funnel.tests.factories import FunnelFactory, reason, stages
from notifications.models import Notification
from quality.models import WizardRun
from sales import services as sales_services
from sales.ledger import Scope
from sales.models import Invoice, Payment
from sales.services import Line
from sales.services import reconciliations as reconciliation_services
from sales.tests.factories import ContractFactory, ProductFactory
from tasks import services as task_services
from webhooks.models import Delivery, Subscription

# The column of each role (a group made by a data migration); managers are the owner and the
# colleague. A group missing here fails the test: give it a column and regenerate the table.
ROLE_COLUMNS = {roles.SUPERVISOR: "sup", roles.SALES_HEAD: "head", roles.ADMINISTRATOR: "adm"}


@dataclass
class World:
    users: dict  # column -> user (None for anonymous)
    objects: dict  # name -> object the URLs point at


@pytest.fixture
def access_world(db, settings, tmp_path) -> World:
    """One user of each column of the access matrix and the objects its URLs point at, owned by
    the manager of the «own» column; files in a temporary media folder."""
    settings.MEDIA_ROOT = tmp_path
    groups = set(Group.objects.values_list("name", flat=True))
    unknown = sorted(groups - {roles.MANAGER, *ROLE_COLUMNS})
    assert not unknown, f"roles without a column in the access matrix: {unknown} (add them to ROLE_COLUMNS)"
    owner = factories.manager(username="matrix-owner")
    users = {
        "anon": None,
        "out": factories.UserFactory(username="matrix-outsider"),
        "own": owner,
        "col": factories.manager(username="matrix-colleague"),
    }
    for name, col in ROLE_COLUMNS.items():
        if name in groups:
            users[col] = factories.UserFactory(username=f"matrix-{col}", role=name)
    boss = users[ROLE_COLUMNS[roles.SUPERVISOR]]

    client = factories.ClientFactory(name="ООО «Матрица»", inn="7707083893", responsible=owner)
    contact = factories.ContactPersonFactory(client=client, name="Петров Иван")
    factories.ContactInfoFactory(client=client, contact=contact, kind=factories.kind("Email"), value="p@m.ru")
    contract = ContractFactory(client=client, number="M-1", credit_limit=D("1000.00"), credit_days=10)
    product = ProductFactory(name="Матрица-товар", price=D("100.00"))
    invoice = sales_services.save_invoice(
        Invoice(client=client, contract=contract, date=datetime.date(2026, 3, 1), manager=owner, number=7717),
        [Line(product, D(2), D("123.45"))],
    )
    for status in ("in_work", "ready"):
        sales_services.set_status(invoice, status)
    invoice = sales_services.set_status(invoice, "shipped", shipped_on=datetime.date(2026, 3, 2))
    request = sales_services.save_invoice(  # one in work, its status still to change
        Invoice(client=client, date=datetime.date(2026, 3, 3), manager=owner, number=7718),
        [Line(product, D(1), D("100.00"))],
    )
    request = sales_services.set_status(request, "in_work")
    payment = sales_services.create_payment(
        Payment(
            client=client,
            contract=contract,
            date=datetime.date(2026, 3, 5),
            amount=D("51.37"),
            manager=owner,
            number=8818,
        )
    )
    act = reconciliation_services.make_reconciliation(  # sent and answered: each button has something to do
        Scope(client=client, end=datetime.date(2026, 3, 31)), owner, date=datetime.date(2026, 4, 1)
    )
    act = reconciliation_services.move(act, "sent", owner)
    act = reconciliation_services.record_answer(
        act,
        owner,
        answered_on=datetime.date(2026, 4, 2),
        their_closing=D("1.00"),
        scan=SimpleUploadedFile("скан.pdf", b"%PDF"),
    )
    field = factories.list_field("Матрица-список", ["Да", "Нет"])
    group = factories.FieldGroupFactory(name="Матрица-раздел")

    funnel = FunnelFactory(name="Матрица-воронка")
    stage, next_stage = stages(funnel, "Контакт", "Предложение")[:2]
    deal = funnel_services.create_deal(
        Deal(funnel=funnel, title="Сделка-М17", client=client, manager=owner), user=owner
    )
    lead = funnel_services.create_deal(
        Deal(funnel=funnel, title="Лид-М17", lead_name="Сидоров", lead_email="s@lead.ru", manager=owner), user=owner
    )

    leads = funnel_services.new_public_key(FunnelFactory(name="Матрица-лиды", kind="leads"))
    stages(leads, "Новый")
    hook = Subscription.objects.create(name="Матрица-хук", url="https://m.example/hook", events=["deal.won"])
    delivery = Delivery.objects.create(  # failed: «Повторить» has something to do
        subscription=hook, event="deal.won", payload={"event": "deal.won", "data": {}}, status="failed", attempts=5
    )

    task = task_services.create_task(
        title="Задача-М17", executor=owner, author=boss, reviewer=boss, items=[], due_date=datetime.date(2026, 12, 31)
    )
    attachment = task_services.attach(task, owner, SimpleUploadedFile("список.txt", b"x"))
    notice = Notification.objects.create(
        recipient=owner, kind="task_assigned", key="matrix", text="Вам поручена задача «Задача-М17»", link="/tasks/"
    )
    check = f"info:{factories.kind('Email').pk}"
    draft = WizardRun.objects.create(kind="contact_info", author=boss, client_checks=[check])
    done = WizardRun.objects.create(
        kind="contact_info", author=boss, client_checks=[check], state=WizardRun.State.DONE, finished_at=timezone.now()
    )
    bulk_run = BulkEditRun.objects.create(  # failed: «Запустить ещё раз» (run_retry) has something to do
        author=owner, parameters={"ids": [client.pk], "filter": ""}, total=1, state="failed", error="Прервалось"
    )
    export = ClientExport.objects.create(author=owner, total=1, rows=1, state=ClientExport.State.DONE)
    export.file.save("x.xlsx", ContentFile(b"PK\x03\x04"))
    upload = SimpleUploadedFile("clients.csv", "Наименование;ИНН\nООО «Новый»;7707083893\n".encode())
    client_import = client_services.create_client_import(upload, user=boss)
    # shared with the managers: the colleague picks it (and may not change it), the others do not see it
    saved_view = saved_views.save_view(owner, "invoices", "Матрица-отбор", "status=shipped", share=roles.MANAGER)
    duplicate_search = DuplicateSearch.objects.create(state=DuplicateSearch.State.DONE, finished_at=timezone.now())
    # by the owner, undone already: an undo asked again only says so
    client_merge = ClientMerge.objects.create(survivor=client, merged=[], author=owner, undone_at=timezone.now())

    objects = {
        "client": client,
        "contract": contract,
        "invoice": invoice,
        "request": request,
        "product": product,
        "payment": payment,
        "reconciliation": act,
        "field": field,
        "option": field.options.first(),
        "group": group,
        "segment": factories.SegmentFactory(name="Матрица-сегмент"),
        "funnel": funnel,
        "leads": leads,
        "subscription": hook,
        "delivery": delivery,
        "stage": stage,
        "next_stage": next_stage,
        "reason": reason("Матрица-причина"),
        "deal": deal,
        "lead": lead,
        "task": task,
        "attachment": attachment,
        "notification": notice,
        "draft_run": draft,
        "done_run": done,
        "bulk_run": bulk_run,
        "export": export,
        "import": client_import,
        "duplicate_search": duplicate_search,
        "client_merge": client_merge,
        "owner": owner,
        "api_token": api_tokens.create_token(owner, "Матрица-ключ")[0],
        "saved_view": saved_view,
    }
    return World(users=users, objects=objects)


# --- the fault tests' services ---------------------------------------------------------------------


@pytest.fixture
def queue(tmp_path, settings, reference_data):
    """OwnRedis as the broker and the cache of this process (the pages) and of the worker."""
    from crm.celery import app

    own = OwnRedis(tmp_path)
    own.start()
    saved = app.conf.broker_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": own.url(1)}}
    app.conf.broker_url = own.url(0)
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield own
    finally:
        app.conf.broker_url = saved
        app._pool, app.amqp._producer_pool = None, None
        if own.process.poll() is None:
            own.stop()


@pytest.fixture
def worker(queue):
    process = Worker(queue)
    yield process
    process.stop()
