"""The first page after login: what needs attention today, per warehouse the user may see.

The figures come from ``services.dashboard`` (scope, rules and days are decided there);
this module only lays out the movement chart: an inline SVG drawn on the server, with no
script, no chart library and no inline style (the CSP forbids both), its numbers also in
a table for screen readers.
"""

from dataclasses import dataclass
from datetime import date

from fastapi import Request
from fastapi.responses import HTMLResponse

from stockroom.domain.access import Permission
from stockroom.services import dashboard, po_due
from stockroom.web.pages import page_router, render
from stockroom.web.session import SignedIn
from stockroom.web.writes import read

router = page_router()

# The chart's drawing box (SVG user units); CSS stretches it to the width of its card.
CHART_WIDTH = 300
CHART_HEIGHT = 100
HEADROOM = 4  # above the tallest bar
BAR_SHARE = 0.7  # of each day's slot; the rest is the gap between bars
SMALLEST_BAR = 1.5  # a day with one movement stays visible next to a busy one
DUE_SHOWN = 10  # purchase orders due listed per warehouse


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "3 Mar 2026: 12 movements"
    day: date
    count: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    busiest: Bar | None  # None: no movement in the whole period
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def day_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def movements_label(count: int) -> str:
    return f"{count:,} movement" + ("" if count == 1 else "s")


def movement_chart(days: list[dashboard.DayMovements]) -> Chart:
    """One bar per day, scaled to the busiest day."""
    slot = CHART_WIDTH / max(len(days), 1)
    tallest = max((d.count for d in days), default=0)
    bars = []
    for index, day in enumerate(days):
        height = 0.0
        if day.count:
            height = max(day.count / tallest * (CHART_HEIGHT - HEADROOM), SMALLEST_BAR)
        bars.append(
            Bar(
                x=round(index * slot + slot * (1 - BAR_SHARE) / 2, 2),
                y=round(CHART_HEIGHT - height, 2),
                width=round(slot * BAR_SHARE, 2),
                height=round(height, 2),
                label=f"{day_label(day.day)}: {movements_label(day.count)}",
                day=day.day,
                count=day.count,
            )
        )
    busiest = max(bars, key=lambda b: b.count) if tallest else None
    return Chart(bars, busiest)


@router.get("/")
def dashboard_page(request: Request, actor: SignedIn) -> HTMLResponse:
    board = read(request, lambda session: dashboard.dashboard(session, actor))
    due = None  # open purchase orders due, for those who may see them
    if actor.can(Permission.ORDERS_READ):
        due = read(request, lambda session: po_due.open_due(session, actor, board.as_of))
    charts = [movement_chart(site.movements) for site in board.warehouses]
    context = {
        "board": board,
        "sites": list(zip(board.warehouses, charts, strict=True)),
        "day_label": day_label,
        "movements_label": movements_label,
        "due": due,
        "due_shown": DUE_SHOWN,
    }
    return render(request, "dashboard.html", context)
