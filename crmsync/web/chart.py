"""The hourly chart of the last 24 h of Salesforce calls, as data for a server-drawn SVG (R1, R2).

Each of the 24 hours is a bar; the allocation's hourly average and the org's limit are
drawn as lines when they fall on the chart, so an operator sees at a glance whether
the integration is running hot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WIDTH = 1200
HEIGHT = 240
LEFT = 48
BOTTOM = 24
TOP = 12


@dataclass(frozen=True, kw_only=True)
class Bar:
    """One hour's bar: position, size, label."""

    x: float
    y: float
    width: float
    height: float
    hour: datetime
    count: int


@dataclass(frozen=True, kw_only=True)
class Line:
    """A horizontal reference line (allocation per hour, org limit per hour)."""

    y: float
    label: str
    kind: str


@dataclass(frozen=True, kw_only=True)
class Chart:
    """Everything the SVG template draws."""

    width: int
    height: int
    left: int
    top: int
    base: float
    peak: int
    bars: tuple[Bar, ...]
    lines: tuple[Line, ...]
    ticks: tuple[tuple[float, str], ...]
    total: int
    off_scale: tuple[str, ...]
    """Reference lines too far above the bars to draw, said in words instead."""


def hourly_chart(
    hourly: list[tuple[datetime, int]],
    *,
    allocation: int | None,
    org_limit: int | None,
    now: datetime | None = None,
) -> Chart:
    """24 bars ending at the current hour, scaled to the highest bar or reference line."""
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    counts = {_aware(hour): count for hour, count in hourly}
    hours = [end - timedelta(hours=23 - index) for index in range(24)]
    references: list[tuple[float, str, str]] = []
    if allocation is not None:
        references.append((allocation / 24, f"allocation ÷ 24 = {allocation / 24:,.0f}/h", "alloc"))
    if org_limit is not None and org_limit < 10**9:
        references.append((org_limit / 24, f"org limit ÷ 24 = {org_limit / 24:,.0f}/h", "org"))
    highest = max([counts.get(hour, 0) for hour in hours] + [1])
    # A reference line far above the bars would flatten them: show it only when near.
    shown = [ref for ref in references if ref[0] <= highest * 4]  # off_scale below
    peak = max([highest, *(int(value) + 1 for value, _, _ in shown)])
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / 24
    base = HEIGHT - BOTTOM

    def y_of(value: float) -> float:
        return round(base - plot_height * value / peak, 1)

    bars = tuple(
        Bar(
            x=round(LEFT + index * slot + 2, 1),
            y=y_of(counts.get(hour, 0)),
            width=round(slot - 4, 1),
            height=round(base - y_of(counts.get(hour, 0)), 1),
            hour=hour,
            count=counts.get(hour, 0),
        )
        for index, hour in enumerate(hours)
    )
    lines = tuple(Line(y=y_of(value), label=label, kind=kind) for value, label, kind in shown)
    ticks = tuple(
        (round(LEFT + index * slot + slot / 2, 1), hour.strftime("%H:00"))
        for index, hour in enumerate(hours)
        if index % 4 == 1
    )
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        top=TOP,
        base=base,
        peak=peak,
        bars=bars,
        lines=lines,
        ticks=ticks,
        total=sum(bar.count for bar in bars),
        off_scale=tuple(label for value, label, _ in references if value > highest * 4),
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
