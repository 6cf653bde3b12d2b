"""The one writer of clients: a write costs the same statements for 3 clients as for 30, records one
history entry per changed client, recomputes «Заполненность», writes nothing for no change; and
every way a client changes — the card page, «Изменить выделенные», the import, lead → client — goes
through it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import completeness, imports, services
from clients.models import Client, ClientChange, ContactInfo, ExtraValue
from clients.services import writer
from clients.tests import factories
from crm import events
from crm.testing import opened_form


@pytest.fixture
def setting(db):
    region = factories.BusinessRegionFactory(name="Сибирь")
    segment = factories.SegmentFactory(name="Опт")
    staff = factories.ExtraFieldFactory(name="Штат", value_type="number")
    email = factories.kind("Email")
    return region, segment, staff, email


def change_sets(clients, setting) -> list[services.ClientChangeSet]:
    region, segment, staff, email = setting
    return [
        services.ClientChangeSet(
            client,
            fields={"business_region": region, "comment": f"звонить {client.pk}"},
            extra={staff: 10 + n},
            add_segments={segment},
            contact_info=[ContactInfo(kind=email, value=f"c{client.pk}@example.ru")],
        )
        for n, client in enumerate(clients)
    ]


def statements(clients, setting, boss) -> int:
    # Who listens to events is read at most every 10 s (webhooks): known before counting, so that a
    # count does not depend on when the last read was.
    events.emit_each(writer.CLIENT_CHANGED, [])
    with CaptureQueriesContext(connection) as queries:
        services.write(change_sets(clients, setting), user=boss, source=ClientChange.Source.BULK)
    return len(queries)


def test_thirty_clients_cost_the_statements_of_three(setting, boss):
    few = list(Client.objects.filter(pk__in=[c.pk for c in factories.ClientFactory.create_batch(3)]))
    many = list(Client.objects.filter(pk__in=[c.pk for c in factories.ClientFactory.create_batch(30)]))
    assert statements(many, setting, boss) == statements(few, setting, boss)


def test_each_changed_client_gets_its_values_one_history_entry_and_a_new_version(setting, boss):
    region, segment, staff, _email = setting
    completeness.set_required(properties=["business_region"], kind_ids=[], field_ids=[])
    clients = factories.ClientFactory.create_batch(4, business_region=None)
    completeness.recompute()
    result = services.write(change_sets(clients, setting), user=boss, source=ClientChange.Source.BULK)
    assert len(result.changed) == 4 and not result.created
    for n, client in enumerate(clients):
        client.refresh_from_db()
        assert client.business_region == region
        assert client.version == 2
        assert client.completeness == 100
        assert list(client.segments.all()) == [segment]
        assert ExtraValue.objects.get(client=client, field=staff).value == 10 + n
        assert client.contact_info.get().value == f"c{client.pk}@example.ru"
        entry = client.changes.get()
        assert (entry.source, entry.user, entry.version) == (ClientChange.Source.BULK, boss, 2)
        assert [line["field"] for line in entry.changes] == [
            "business_region",
            "comment",
            "segments",
            f"extra:{staff.pk}",
            "contact_info",
        ]


def test_a_change_set_that_changes_nothing_writes_nothing(setting, boss):
    region, segment, _staff, _email = setting
    client = factories.ClientFactory(business_region=region, comment="как было")
    client.segments.add(segment)
    services.write(
        [services.ClientChangeSet(Client.objects.get(pk=client.pk), fields={"business_region": region})],
        user=boss,
        source=ClientChange.Source.BULK,
    )
    locked = Client.objects.get(pk=client.pk)
    result = services.write(
        [
            services.ClientChangeSet(
                locked, fields={"business_region": region, "comment": "как было"}, add_segments={segment}
            )
        ],
        user=boss,
        source=ClientChange.Source.BULK,
    )
    assert result.unchanged == 1 and not result.changed
    client.refresh_from_db()
    assert client.version == 1
    assert not client.changes.exists()


def test_a_new_client_is_created_with_its_rows_and_history(setting, boss):
    region, _segment, staff, email = setting
    client = Client(kind=Client.Kind.COMPANY, name="ООО Новое")
    result = services.write(
        [
            services.ClientChangeSet(
                client,
                fields={"business_region": region},
                extra={staff: 7},
                contact_info=[ContactInfo(kind=email, value="new@example.ru")],
            )
        ],
        user=boss,
        source=ClientChange.Source.IMPORT,
    )
    assert result.created == [client] and client.pk
    stored = Client.objects.get(pk=client.pk)
    assert stored.business_region == region and stored.version == 1
    assert stored.contact_info.get().value == "new@example.ru"
    assert {line["field"] for line in stored.changes.get().changes} == {
        "business_region",
        f"extra:{staff.pk}",
        "contact_info",
    }


@pytest.fixture
def written(monkeypatch):
    """The sources of every write the writer makes while the test runs."""
    sources = []
    original = writer._write_clients

    def recording(result, changed_fields):
        sources.extend(["created"] * len(result.created) + ["changed"] * len(result.changed))
        return original(result, changed_fields)

    monkeypatch.setattr(writer, "_write_clients", recording)
    return sources


def test_the_card_page_writes_through_the_writer(client, boss, written):
    card = factories.ClientFactory(name="ООО Карта")
    client.force_login(boss)
    url = reverse("clients:edit", args=[card.pk])
    data = opened_form(client, url, "client-form")
    data["client-comment"] = "новое"
    assert client.post(url, data).status_code == 302
    assert written == ["changed"]
    assert Client.objects.get(pk=card.pk).comment == "новое"


def test_bulk_edit_writes_through_the_writer(setting, boss, written):
    region = setting[0]
    clients = factories.ClientFactory.create_batch(2, business_region=None)
    services.bulk_edit_clients(
        [c.pk for c in clients], services.BulkChanges(builtin={"business_region": region}), user=boss
    )
    assert written == ["changed", "changed"]


def test_the_import_writes_through_the_writer(db, boss, written):
    rows = imports.parse_rows([(2, ["ООО Из файла", ""])], {0: "name", 1: "inn"}, imports.Lookups.load([]))
    report = services.import_clients(rows, user=boss)
    assert report.created == 1
    assert written == ["created"]


def test_lead_to_client_writes_through_the_writer(boss, written):
    from funnel import services as funnel_services
    from funnel.models import Deal
    from funnel.tests import factories as funnel_factories

    funnel = funnel_factories.FunnelFactory(name="Сайт")
    funnel_factories.stages(funnel, "Заявка")
    deal = funnel_services.create_deal(
        Deal(funnel=funnel, title="Заявка с сайта", manager=boss, lead_name="ИП Лидов", lead_email="lead@example.ru"),
        user=boss,
    )
    made = funnel_services.convert_lead(deal, user=boss)
    assert written == ["created"]
    assert made.contact_info.get().value == "lead@example.ru"
    assert made.changes.get().source == ClientChange.Source.CREATED
