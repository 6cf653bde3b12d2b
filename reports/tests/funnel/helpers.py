"""Reading the funnel reports' grids in the tests."""

from __future__ import annotations

from django.urls import reverse

from reports.tests.funnel.conftest import PERIOD

CONVERSION = reverse("reports:funnel_conversion")
TIME_IN_STAGE = reverse("reports:funnel_time_in_stage")
MANAGERS = reverse("reports:funnel_managers")
REPEAT_SALES = reverse("reports:repeat_sales")
PAGES = (CONVERSION, TIME_IN_STAGE, MANAGERS, REPEAT_SALES)


def get(http, url, **params):
    for name, value in PERIOD.items():
        params.setdefault(name, value)
    response = http.get(url, params)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


def rows(response, section: int = 0) -> dict:
    """{first cell: [the other cells…]} of a grid, with its total."""
    grid = response.context["report"].sections[section][1]
    lines = [*grid.lines, grid.total] if grid.total is not None else grid.lines
    return {line.values[0]: list(line.values[1:]) for line in lines}
