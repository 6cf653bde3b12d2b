"""«Анализ клиентской базы» filtered by a dynamic segment counts its clients now."""

from clients.models import Segment
from clients.services.segments import create_segment
from reports.tests.analysis.test_client_analysis import assert_drill_down_matches, grid, report


def test_the_analysis_of_a_dynamic_segment(client, base, boss):
    segment = create_segment(name="Класс A", kind=Segment.Kind.DYNAMIC, query="abc_class=A")
    client.force_login(boss)
    response = report(client, segments=segment.pk, rows="responsible", columns="none")
    counts = grid(response)
    assert counts["Итого"]["Итого"] == 2  # c1 (Анна), c4 (Борис)
    assert counts["Анна Смирнова"]["Итого"] == 1 and counts["Борис Волков"]["Итого"] == 1
    assert assert_drill_down_matches(client, response.context["table"])
