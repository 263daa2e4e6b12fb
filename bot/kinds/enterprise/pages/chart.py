"""The P&L chart as plain SVG geometry (no script, no inline style: the CSP allows it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT, PAD = 640, 240, 30


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    fill: str
    label: str  # for the <title> tooltip and screen readers


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (x of the week's middle, its label)
    top: Decimal


def bars(weeks: list[tuple[str, Decimal, Decimal]]) -> Chart:
    """Sales and purchases side by side per week, scaled to the largest value."""
    top = max([Decimal(1), *(max(s, p) for _w, s, p in weeks)])
    slot = (WIDTH - 2 * PAD) / max(len(weeks), 1)
    width = min(slot / 3, 40)
    scale = (HEIGHT - 2 * PAD) / float(top)
    out: list[Bar] = []
    ticks: list[tuple[float, str]] = []
    for n, (week, sales, bought) in enumerate(weeks):
        middle = PAD + slot * n + slot / 2
        ticks.append((middle, week))
        for k, (value, fill, what) in enumerate(
            ((sales, "#1f77b4", "sales"), (bought, "#d62728", "purchases"))
        ):
            h = float(value) * scale
            x = middle - width + k * width
            out.append(Bar(x, HEIGHT - PAD - h, width, h, fill, f"{week} {what} ${value:,.2f}"))
    return Chart(WIDTH, HEIGHT, out, ticks, top)
