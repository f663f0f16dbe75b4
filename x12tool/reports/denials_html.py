"""The denials page (``x12tool denials --format html``): one self-contained page, inline CSS,
charts as inline SVG (denial rate by payer over time, top CARCs by dollars), then the tables.
Same conventions as the preflight page (x12tool/reports/html_report.py): lxml.etree, no scripts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from x12tool import __version__
from x12tool.reports import html_builder as E
from x12tool.reports.html_report import CSS, _svg, bar_chart, svg_root

COLORS = ("#1f618d", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#2c3e50", "#16a085", "#7f8c8d")
TOP_CARCS = 10
MAX_PAYERS = len(COLORS)


def rate_chart(lines) -> object:
    """Denial rate (denied / lines) per payer and month of service, one polyline per payer."""
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for ln in lines:
        if ln.day is None:
            continue
        cell = counts[ln.payer_id or "-"][ln.day.strftime("%Y-%m")]
        cell[0] += 1
        cell[1] += ln.denied
    months = sorted({m for per in counts.values() for m in per})
    payers = sorted(counts, key=lambda p: -sum(c[0] for c in counts[p].values()))[:MAX_PAYERS]
    width, height, left, bottom, top, right = 760, 260, 48, 40, 14, 170
    svg = svg_root(width, height, "Denial rate by payer and month of service")
    plot_w, plot_h = width - left - right, height - top - bottom
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        svg.append(
            _svg("line", x1=left, x2=left + plot_w, y1=f"{y:.1f}", y2=f"{y:.1f}", stroke="#e5e8e8")
        )
        t = _svg("text", x=4, y=f"{y + 4:.1f}", fill="#566573", font_size=11)
        t.text = f"{pct}%"
        svg.append(t)
    if not months:
        t = _svg("text", x=left + 10, y=top + 20, fill="#566573", font_size=12)
        t.text = "no remitted lines"
        svg.append(t)
        return svg
    step = plot_w / max(1, len(months) - 1)

    def x_of(i: int) -> float:
        return left + (i * step if len(months) > 1 else plot_w / 2)

    for i, m in enumerate(months):
        t = _svg(
            "text", x=f"{x_of(i) - 18:.1f}", y=height - bottom + 16, fill="#566573", font_size=11
        )
        t.text = m
        svg.append(t)
    for n, payer in enumerate(payers):
        color = COLORS[n]
        points = []
        for i, m in enumerate(months):
            cell = counts[payer].get(m)
            if not cell or not cell[0]:
                continue
            rate = cell[1] / cell[0]
            x, y = x_of(i), top + plot_h * (1 - rate)
            points.append(f"{x:.1f},{y:.1f}")
            dot = _svg("circle", cx=f"{x:.1f}", cy=f"{y:.1f}", r=3, fill=color)
            tip = _svg("title")
            tip.text = f"{payer} {m}: {cell[1]} of {cell[0]} lines denied ({rate:.0%})"
            dot.append(tip)
            svg.append(dot)
        if len(points) > 1:
            svg.append(
                _svg("polyline", points=" ".join(points), fill="none", stroke=color, stroke_width=2)
            )
        key = _svg("text", x=left + plot_w + 14, y=top + 14 + n * 18, fill=color, font_size=12)
        key.text = payer
        svg.append(key)
    return svg


def carc_chart(groups) -> object:
    rows = [(g.key, [("denied", Decimal(g.code_amount) / 100)]) for g in groups[:TOP_CARCS]]
    return bar_chart("Top adjustment reason codes (CARC) by dollars", rows)


def denials_page(lines, tables: dict[str, list[dict]], carc_groups, reasons) -> str:
    body = E.MAIN(
        E.H1("x12tool denials"),
        E.P(
            E.CLASS("meta"),
            f"{len(lines)} remitted service line(s) from imported 835s. Denied = nothing paid "
            "for a reason other than the patient's cost share; dollars denied = charges of "
            "denied lines (docs/remittance.md). CARC/RARC "
            f"{reasons.describe()['note']}; as of {reasons.as_of}.",
        ),
        E.H2("Denial rate by payer over time"),
        rate_chart(lines),
        E.H2("Top CARCs by dollars"),
        carc_chart(carc_groups),
    )
    for dim, rows in tables.items():
        cols = [c for c in (rows[0].keys() if rows else ()) if c != "by"]
        if dim != "carc":
            cols = [c for c in cols if c != "carc_amount"]
        if dim not in ("carc", "rarc"):
            cols = [c for c in cols if c != "label"]
        table = E.TABLE(E.THEAD(E.TR(*[E.TH(c) for c in cols])))
        tbody = E.TBODY(*[E.TR(*[E.TD(str(r[c])) for c in cols]) for r in rows])
        table.append(tbody)
        body.append(E.H2(f"By {dim}"))
        body.append(table if rows else E.P("nothing to show"))
    body.append(E.P(E.CLASS("note"), f"x12tool {__version__}"))
    page = E.HTML(
        E.HEAD(
            E.META(charset="utf-8"),
            E.META(name="viewport", content="width=device-width, initial-scale=1"),
            E.TITLE("x12tool denials"),
            E.STYLE(CSS),
        ),
        E.BODY(body),
        lang="en",
    )
    return E.page_text(page)
