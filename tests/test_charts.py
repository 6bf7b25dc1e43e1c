"""Charts people can read on a phone: a y axis from zero, the extreme poverty line where its flag applies,
type of at least 11 px at 300 px wide (a chart on a 360 px phone), every plotted value in a table, and nothing that needs a hover."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import render_template
from flask_login import login_user

from kube.core.formatting import format_rupiah
from kube.monitoring import charts
from kube.monitoring.trends import BELOW_EXTREME_POVERTY
from tests.monitoring_data import M

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

pytestmark = pytest.mark.usefixtures("monitoring_day")


def _gridlines(root) -> list[tuple[float, float]]:
    """(value, y) of every horizontal gridline, lowest value first."""
    lines = [(float(line.get("data-value")), float(line.get("y1"))) for line in root.iter(f"{SVG}line")
             if line.get("class") == "gridline"]
    return sorted(lines)


def _y_of(root, value: float) -> float:
    """Where `value` lies on the chart's y axis, read off the gridlines (linear between the outermost two)."""
    (low, y_low), (high, y_high) = _gridlines(root)[0], _gridlines(root)[-1]
    return y_low + (value - low) / (high - low) * (y_high - y_low)


def _bottom_axis(root) -> float:
    return max(y for _, y in _gridlines(root))


def _font_sizes_at(root, rendered_width: float) -> list[float]:
    """The rendered size of every piece of text when the SVG is drawn `rendered_width` px wide."""
    view_width = float(root.get("viewBox").split()[2])
    scale = rendered_width / view_width
    sizes = []

    def walk(element, inherited: float):
        size = float(element.get("font-size", inherited))
        if element.tag == f"{SVG}text":
            sizes.append(size * scale)
        for child in element:
            walk(child, size)

    walk(root, 16.0)  # the browser default, should the root say nothing
    return sizes


PLATEAU = {M(2025, 1) + i: 3_600_000 + 100_000 * (i % 3) for i in range(12)}  # between Rp3,6 jt and Rp3,8 jt


def test_the_income_axis_starts_at_zero_however_high_the_income():
    root = ET.fromstring(charts.income_chart_svg(list(PLATEAU.items()), M(2025, 1), M(2025, 12)))
    lowest_value, lowest_y = _gridlines(root)[0]
    assert lowest_value == 0 and lowest_y == _bottom_axis(root)
    labels = [text.text for text in root.iter(f"{SVG}text") if text.get("class") == "y-label"]
    assert labels[0] == "Rp0"
    # A point sits at its true height above zero: Rp3,6 jt is 3.6 / 3.8 of Rp3,8 jt's height.
    points = {int(c.get("data-net")): float(c.get("cy")) for c in root.iter(f"{SVG}circle") if c.get("data-net")}
    for net, cy in points.items():
        assert cy == pytest.approx(_y_of(root, net), abs=0.1)
    assert (lowest_y - points[3_600_000]) / (lowest_y - points[3_800_000]) == pytest.approx(3.6 / 3.8, abs=0.01)


def test_negative_incomes_keep_zero_inside_the_axis():
    root = ET.fromstring(charts.income_chart_svg([(M(2025, 1), -500_000), (M(2025, 2), 2_000_000)],
                                                 M(2025, 1), M(2025, 2)))
    values = [value for value, _ in _gridlines(root)]
    assert values[0] < 0 < values[-1] and 0 in values


def test_the_bar_chart_starts_at_zero_too():
    root = ET.fromstring(charts.bar_chart_svg([(M(2025, 1), 5_000_000, 3), (M(2025, 2), 5_200_000, 4)],
                                              title="t", description="d"))
    lowest_value, lowest_y = _gridlines(root)[0]
    assert lowest_value == 0 and lowest_y == _bottom_axis(root)
    for bar in root.iter(f"{SVG}rect"):
        if bar.get("class") == "bar":
            assert float(bar.get("y")) + float(bar.get("height")) == pytest.approx(lowest_y, abs=0.1)


@pytest.mark.parametrize("svg", [
    charts.income_chart_svg(list(PLATEAU.items()), M(2024, 1), M(2025, 12), window=(M(2025, 7), M(2025, 12)),
                            trend_line=((M(2025, 7), 3_600_000), (M(2025, 12), 3_700_000)), handovers=[M(2025, 3)],
                            poverty_line=[(M(2025, 1), 2_000_000)]),
    charts.bar_chart_svg([(M(2025, 1) + i, 1_500_000 * i, i) for i in range(12)], title="t", description="d"),
    charts.bar_chart_svg([(M(2025, 1), 1_500_000, 1), (M(2025, 2), 1_600_000, 1)], title="t", description="d"),
], ids=["income", "bars", "two-bars"])
def test_every_label_is_at_least_11_px_on_a_phone(svg):
    sizes = _font_sizes_at(ET.fromstring(svg), charts.PHONE_WIDTH_PX)
    assert sizes and min(sizes) >= 11


def test_month_labels_never_overlap_on_two_years():
    root = ET.fromstring(charts.income_chart_svg(list(PLATEAU.items()), M(2024, 1), M(2025, 12)))
    labels = [(float(t.get("x")), t.text) for t in root.iter(f"{SVG}text") if t.get("class") == "x-label"]
    assert len(labels) >= 4 and labels[-1][1] == charts.month_short(M(2025, 12))
    for (x1, first), (x2, second) in zip(labels, labels[1:]):
        assert x2 - x1 >= (charts.text_width(first) + charts.text_width(second)) / 2


def test_the_poverty_line_follows_the_active_members():
    line = charts.poverty_line_by_month({M(2025, 3): 5, M(2025, 5): 4}, 400_000, M(2025, 1), M(2025, 6))
    assert line == [(M(2025, 1), 2_000_000), (M(2025, 2), 2_000_000), (M(2025, 3), 2_000_000),
                    (M(2025, 4), 2_000_000), (M(2025, 5), 1_600_000), (M(2025, 6), 1_600_000)]
    assert charts.poverty_line_by_month({}, 400_000, M(2025, 1), M(2025, 6)) == []


def test_chart_rows_hold_every_plotted_value():
    rows = charts.income_chart_rows([(M(2025, 2), 1_000_000), (M(2025, 4), 1_200_000)], M(2025, 1), M(2025, 6),
                                    trend_line=((M(2025, 2), 1_000_000), (M(2025, 4), 1_200_000)),
                                    handovers=[M(2025, 3)], poverty_line=[(M(2025, 1) + i, 2_000_000) for i in range(6)])
    assert [row.month for row in rows] == [M(2025, 2) + i for i in range(5)]  # from the first report on
    assert [row.net for row in rows] == [1_000_000, None, 1_200_000, None, None]
    assert [row.trend for row in rows] == [1_000_000, 1_100_000, 1_200_000, None, None]
    assert [row.handover for row in rows] == [False, True, False, False, False]
    assert {row.poverty for row in rows} == {2_000_000}


# -- a group carrying the below-extreme-poverty flag --------------------------------------------

def _chart(client, group) -> ET.Element:
    response = client.get(f"/monitoring/groups/{group.id}/chart.svg?as_of=2026-06")
    assert response.status_code == 200
    return ET.fromstring(response.get_data(as_text=True))


def _poverty_y(root) -> set[float]:
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "poverty-line"]
    assert len(groups) == 1
    points = groups[0].find(f"{SVG}polyline").get("points").split()
    return {float(point.split(",")[1]) for point in points}


def test_the_poverty_line_is_drawn_at_its_height_when_the_group_carries_the_flag(client, login, users, dataset):
    poor = dataset["groups"]["poor"]  # 10 active members, Rp2,0-2,25 jt a month: about Rp220.000 each
    login(users["officer"])
    root = _chart(client, poor)
    # The flag compares net per member with Rp400.000; for the group's net that is 10 x Rp400.000.
    (y,) = _poverty_y(root)
    assert y == pytest.approx(_y_of(root, 4_000_000), abs=0.1)
    assert any(text.text == "Garis kemiskinan ekstrem" for text in root.iter(f"{SVG}text"))
    # Every point lies below the line (a larger y is lower on the screen).
    assert all(float(c.get("cy")) > y for c in root.iter(f"{SVG}circle") if c.get("data-net"))
    assert _gridlines(root)[0][0] == 0


def test_no_poverty_line_without_the_flag(client, login, users, dataset):
    login(users["officer"])
    svg = client.get(f"/monitoring/groups/{dataset['groups']['rising'].id}/chart.svg?as_of=2026-06").get_data(
        as_text=True)
    assert 'class="poverty-line"' not in svg and "Garis kemiskinan ekstrem" not in svg


def _panel(app, user, group) -> tuple[dict, str]:
    from kube.monitoring.views import group_panel

    with app.test_request_context("/"):
        login_user(user)
        context = group_panel(group)
        html = render_template("monitoring/_group_panel.html", group=group, monitoring=context)
    return context, html


def _chart_table(html: str) -> str:
    match = re.search(r'<details class="chart-values">.*?(<table[^>]*class="chart-table"[^>]*>.*?</table>)', html, re.DOTALL)
    assert match, "the chart's values are in a table inside a <details>"
    table = match.group(1)
    assert re.search(r"<caption>\s*\S", table)
    return table


def test_the_group_panel_gives_every_plotted_value_as_a_table(app, client, login, users, dataset):
    poor = dataset["groups"]["poor"]
    context, html = _panel(app, users["officer"], poor)
    assert BELOW_EXTREME_POVERTY in {flag.kind for flag in context["flags"]}
    table = _chart_table(html)
    login(users["officer"])
    root = _chart(client, poor)
    nets = [int(c.get("data-net")) for c in root.iter(f"{SVG}circle") if c.get("data-net")]
    assert len(nets) == 6
    with app.test_request_context("/"):
        for net in nets:
            assert format_rupiah(net) in table
        assert format_rupiah(4_000_000) in table and "Garis kemiskinan ekstrem" in table
        trend = [row.trend for row in context["chart_rows"] if row.trend is not None]
        assert trend and all(format_rupiah(value) in table for value in trend)


def test_the_dashboard_chart_has_its_values_in_a_table_and_no_hover_wording(client, login, users, dataset):
    login(users["officer"])
    page = client.get("/monitoring/dashboard").get_data(as_text=True)
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    root = ET.fromstring(svg)
    assert _gridlines(root)[0] == (0, _bottom_axis(root))
    assert min(_font_sizes_at(root, charts.PHONE_WIDTH_PX)) >= 11
    table = _chart_table(page)
    bars = [(bar.get("data-month"), int(bar.get("data-value"))) for bar in root.iter(f"{SVG}rect")
            if bar.get("class") == "bar"]
    assert bars
    with client.application.test_request_context("/"):
        for _month, value in bars:
            assert format_rupiah(value) in table
    assert "arahkan" not in page.lower() and "hover" not in page.lower()


def test_no_page_asks_for_a_hover():
    for template in TEMPLATES.rglob("*.html"):
        words = template.read_text(encoding="utf-8").lower()
        assert "arahkan" not in words and "hover" not in words, template


def test_the_group_s_own_leader_gets_the_chart_without_the_poverty_label(client, login, db, dataset):
    """Nothing stigmatising for a leader: the same chart of their group, without the extreme poverty line."""
    from tests.factories import make_user

    poor = dataset["groups"]["poor"]
    leader = make_user("leader", group_id=poor.id)
    db.session.commit()
    login(leader)
    svg = client.get(f"/monitoring/groups/{poor.id}/chart.svg?as_of=2026-06").get_data(as_text=True)
    assert "data-net" in svg  # the group's own figures are there
    assert 'class="poverty-line"' not in svg and "Garis kemiskinan ekstrem" not in svg
    home = client.get("/reports").get_data(as_text=True)
    assert "<svg" in home and "kemiskinan" not in home.lower()
