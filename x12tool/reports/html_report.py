"""The HTML report: one self-contained page a biller opens in a browser.

Built with lxml.etree (x12tool.reports.html_builder); no scripts, no network, no external files:
inline CSS, charts as inline SVG.
It reads the same records as the JSON report (x12tool.reports.model; member ids are already
masked there unless --show-phi), so it shows nothing the JSON does not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TextIO

from x12tool import __version__
from x12tool.money.amounts import dollars
from x12tool.reports import html_builder as E
from x12tool.reports.model import FileReport
from x12tool.reports.spool import CORRECTED, HELD, NOTED, select

# The claims' rows are made in place, each element under its parent (SubElement) in the
# document of a section made by a plain HTML parser: a builder makes every element in a document
# of its own, moved at each append, and lxml.html's parser called back into Python to pick each
# element's class; together ~4/5 of the page's time. The tree, and so the page, is the
# one the builder made (tests/reports/test_html_rows.py compares them).
_PARSER = E.PARSER
_SUB = E.SubElement
PAYER_RATE_TITLE = (
    "Priced at the payer's contract rate or the median allowed of its "
    "835s where known; the Medicare estimate otherwise (docs/remittance.md)."
)


EFFECT_LABELS = {
    "at_risk": "at risk (held / would be denied)",
    "overbilling_avoided": "overbilling avoided",
    "underbilled": "underbilled",
    "reduction": "CQ/CO reduction",
}
EFFECT_COLORS = {
    "at_risk": "#c0392b",
    "overbilling_avoided": "#2471a3",
    "underbilled": "#b9770e",
    "reduction": "#7d3c98",
    "allowed_as_sent": "#1e8449",
}
REFERENCE_NOTE = (
    "Reference only: for Medicaid, commercial and other non-Medicare-Part-B claims the figures "
    "are what Medicare would allow for the same lines, a yardstick, not what that payer pays."
)

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
 color:#1c2833;background:#f4f6f7}
main{max-width:1100px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:19px;margin:28px 0 8px;border-bottom:2px solid
 #d5d8dc;padding-bottom:4px}h3{font-size:16px;margin:22px 0 8px}
.meta,.basis,.note{color:#566573;font-size:13px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
.card{background:#fff;border:1px solid #d5d8dc;border-radius:6px;padding:8px 12px;min-width:120px}
.card .v{font-size:20px;font-weight:600}.card .k{font-size:12px;color:#566573}
.card.risk .v{color:#c0392b}.card.good .v{color:#1e8449}.card.over .v{color:#2471a3}
.card.under .v{color:#b9770e}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 14px;font-size:13px}
th,td{border:1px solid #d5d8dc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eaecee}td.num,th.num{text-align:right;white-space:nowrap}
.status{font-weight:600;text-transform:uppercase;font-size:12px}
.status.held{color:#c0392b}.status.corrected{color:#2471a3}.status.ready{color:#1e8449}
.ref{font-size:11px;background:#fdebd0;border-radius:3px;padding:0 4px;color:#7e5109}
code,.seg{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
.seg.before{color:#922b21}.seg.after{color:#196f3d}
.claim{background:#fff;border:1px solid #d5d8dc;border-radius:6px;padding:8px 12px;margin:10px 0}
.claim h4{margin:0 0 6px;font-size:15px}
svg{background:#fff;border:1px solid #d5d8dc;border-radius:6px;max-width:100%;height:auto}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
"""


def _amount(value) -> Decimal:
    try:
        return Decimal(value)
    except Exception:  # noqa: BLE001 - a missing or odd amount counts as zero
        return Decimal(0)


def _svg(tag: str, **attrs):
    el = _PARSER.makeelement(tag)
    for k, v in attrs.items():
        el.set(k.rstrip("_").replace("_", "-"), str(v))
    return el


def svg_root(width: int, height: int, title: str):
    """An inline SVG picture with its accessible name and title (no scripts, no links)."""
    svg = _svg(
        "svg",
        xmlns="http://www.w3.org/2000/svg",
        width=width,
        height=height,
        viewBox=f"0 0 {width} {height}",
        role="img",
    )
    svg.set("aria-label", title)
    t = _svg("title")
    t.text = title
    svg.append(t)
    return svg


def bar_chart(title: str, rows: list[tuple], captions: list[str] | None = None):
    """Horizontal stacked bars as inline SVG: rows of (label, [(series, amount), ...]); the
    caption after each bar defaults to the sum of its parts."""
    width, label_w, value_w, bar_h, gap = 760, 170, 240, 18, 8
    top = 8
    height = top * 2 + max(1, len(rows)) * (bar_h + gap)
    biggest = max((sum(a for _, a in parts) for _, parts in rows), default=Decimal(0))
    scale = (width - label_w - value_w - 10) / float(biggest) if biggest > 0 else 0.0
    svg = svg_root(width, height, title)
    if not rows:
        txt = _svg("text", x=10, y=top + bar_h - 4, fill="#566573", font_size=12)
        txt.text = "no dollar effects"
        svg.append(txt)
        return svg
    for n, (label, parts) in enumerate(rows):
        y = top + n * (bar_h + gap)
        txt = _svg("text", x=6, y=y + bar_h - 5, fill="#1c2833", font_size=12)
        txt.text = label
        svg.append(txt)
        x = float(label_w)
        for series, amount in parts:
            w = float(amount) * scale
            if w <= 0:
                continue
            rect = _svg(
                "rect",
                x=f"{x:.1f}",
                y=y,
                width=f"{max(w, 1.0):.1f}",
                height=bar_h,
                fill=EFFECT_COLORS.get(series, "#7f8c8d"),
            )
            tip = _svg("title")
            tip.text = f"{label}: {EFFECT_LABELS.get(series, series)} {dollars(amount)}"
            rect.append(tip)
            svg.append(rect)
            x += w
        total = _svg("text", x=f"{x + 6:.1f}", y=y + bar_h - 5, fill="#1c2833", font_size=12)
        total.text = captions[n] if captions else dollars(sum(a for _, a in parts))
        svg.append(total)
    return svg


def _legend(series: Iterable[str]):
    div = E.DIV(E.CLASS("legend"))
    for s in series:
        swatch = E.I()
        swatch.set("style", f"background:{EFFECT_COLORS.get(s, '#7f8c8d')}")
        div.append(E.SPAN(swatch, EFFECT_LABELS.get(s, s.replace("_", " "))))
    return div


def _card(label: str, value: str, cls: str = ""):
    return E.DIV(
        E.CLASS(f"card {cls}".strip()), E.DIV(E.CLASS("v"), value), E.DIV(E.CLASS("k"), label)
    )


def _el(parent, tag: str, text: str, cls: str | None = None):
    """A ``tag`` element with ``text`` at the end of ``parent``."""
    el = _SUB(parent, tag) if cls is None else _SUB(parent, tag, {"class": cls})
    el.text = text
    return el


def _status(status: str):
    return E.SPAN(E.CLASS(f"status {status}"), status)


def _ref_badge(rec: dict):
    money = rec.get("money") or {}
    if money.get("payer_rates"):
        badge = E.SPAN(E.CLASS("ref"), f"payer rate on {money['payer_rates']}")
        badge.set("title", PAYER_RATE_TITLE)
        return badge
    if money.get("reference_only"):
        badge = E.SPAN(E.CLASS("ref"), "reference only")
        badge.set("title", REFERENCE_NOTE)
        return badge
    return ""


def _badge_in(parent, rec: dict) -> None:
    """:func:`_ref_badge`'s badge, if the claim has one, at the end of ``parent`` (its "" adds
    nothing to the text before it)."""
    money = rec.get("money") or {}
    if money.get("payer_rates"):
        _el(parent, "span", f"payer rate on {money['payer_rates']}", "ref").set(
            "title", PAYER_RATE_TITLE
        )
    elif money.get("reference_only"):
        _el(parent, "span", "reference only", "ref").set("title", REFERENCE_NOTE)


def _money(rec: dict, key: str) -> str:
    m = rec.get("money") or {}
    return dollars(m.get(key, "0")) if key in m else ""


def _findings_table(findings: list[dict]):
    table = _PARSER.makeelement("table")
    _findings_into(table, findings)
    return table


_FINDING_HEADS = (
    "rule",
    "severity",
    "line",
    "what is wrong / what to do",
    "resolution",
    "$",
    "effect",
)


def _head_row(table, heads: tuple[str, ...], num: frozenset[str]) -> None:
    tr = _SUB(_SUB(table, "thead"), "tr")
    for h in heads:
        _el(tr, "th", h, "num" if h in num else None)


def _findings_into(table, findings: list[dict]) -> None:
    """:func:`_findings_table_built`'s table, made in ``table``."""
    _head_row(table, _FINDING_HEADS, frozenset({"$"}))
    body = _SUB(table, "tbody")
    for f in findings:
        tr = _SUB(body, "tr")
        _SUB(_SUB(tr, "td"), "code").text = f["code"]
        _el(tr, "td", f["severity"])
        _el(tr, "td", str(f["line"] or ""))
        fix = f.get("fix") or {}
        td = _el(tr, "td", f["message"])
        if fix.get("description"):
            _SUB(td, "br")
            _el(td, "small", f"fix ({fix['applicability']}): {fix['description']}")
        _el(tr, "td", f.get("resolution", ""))
        _el(tr, "td", dollars(f["money"]) if f.get("money") else "", "num")
        _el(tr, "td", EFFECT_LABELS.get(f.get("money_effect") or "", ""))


def _findings_table_built(findings: list[dict]):
    """The findings table as lxml.html's builder makes it (the reference of the tests)."""
    rows = []
    for f in findings:
        fix = f.get("fix") or {}
        todo = f["message"]
        if fix.get("description"):
            todo_el = E.TD(
                todo, E.BR(), E.SMALL(f"fix ({fix['applicability']}): {fix['description']}")
            )
        else:
            todo_el = E.TD(todo)
        rows.append(
            E.TR(
                E.TD(E.CODE(f["code"])),
                E.TD(f["severity"]),
                E.TD(str(f["line"] or "")),
                todo_el,
                E.TD(f.get("resolution", "")),
                E.TD(E.CLASS("num"), dollars(f["money"]) if f.get("money") else ""),
                E.TD(EFFECT_LABELS.get(f.get("money_effect") or "", "")),
            )
        )
    return E.TABLE(
        E.THEAD(
            E.TR(
                E.TH("rule"),
                E.TH("severity"),
                E.TH("line"),
                E.TH("what is wrong / what to do"),
                E.TH("resolution"),
                E.TH(E.CLASS("num"), "$"),
                E.TH("effect"),
            )
        ),
        E.TBODY(*rows),
    )


def _claim_head_in(parent, rec: dict) -> None:
    """:func:`_claim_head`, made at the end of ``parent``."""
    h4 = _SUB(parent, "h4")
    code = _el(h4, "code", rec["id"])
    code.tail = " "
    status = rec["status"]
    span = _el(h4, "span", status, f"status {status}")
    span.tail = f"  payer class {rec['payer_class']}  member {rec.get('member_id', '')} "
    _badge_in(h4, rec)


def _claim_head(rec: dict):
    return E.H4(
        E.CODE(rec["id"]),
        " ",
        _status(rec["status"]),
        f"  payer class {rec['payer_class']}  member {rec.get('member_id', '')} ",
        _ref_badge(rec),
    )


# A page a biller can open: claims that need a look are listed, up to a cap per table; the JSON
# report lists every claim. Keeps memory flat on a 100,000-claim batch: the page is built whole,
# and at 200 a table it added ~3 MB to preflight's peak at 100,000 claims (docs/performance.md).
MAX_LISTED = 100


def _collect(records: Iterable[dict]):
    """One pass: money by rule, and the records worth listing (capped)."""
    by_rule: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    held, corrected, listed = [], [], []
    counts = {"held": 0, "corrected": 0, "listed": 0}
    # A record with no finding, no change and neither status adds nothing here: the others
    # alone are decoded (nine in ten claims of a batch are neither).
    for rec in select(records, NOTED | HELD | CORRECTED):
        for f in rec["findings"]:
            if f.get("money") and f.get("money_effect"):
                by_rule[f["code"]][f["money_effect"]] += _amount(f["money"])
        status = rec["status"]
        if status in ("held", "corrected"):
            counts[status] += 1
            bucket = held if status == "held" else corrected
            if len(bucket) < MAX_LISTED:
                bucket.append(rec)
        if rec["findings"] or rec["changes"]:
            counts["listed"] += 1
            if len(listed) < MAX_LISTED:
                listed.append(rec)
    return by_rule, held, corrected, listed, counts


def _more(shown: int, total: int, worklist: str | None = None):
    if total > shown:
        if worklist:  # every held claim, one row per reason, in a file beside this page
            return E.P(
                E.CLASS("note"),
                f"{total - shown} more not listed here; every held claim is in the worklist ",
                E.A(worklist, href=worklist),
                " (and the JSON report).",
            )
        return E.P(
            E.CLASS("note"), f"{total - shown} more not listed here; the JSON report has them all."
        )
    return None


_LISTED_HEADS = (
    "claim",
    "status",
    "payer class",
    "member",
    "as billed",
    "as sent",
    "at risk",
    "findings",
)


def _file_section(head: dict, records: Iterable[dict]):
    by_rule, held, corrected, listed, counts = _collect(records)
    s = head["summary"]
    m = s.get("money") or {}
    sec = _PARSER.makeelement("section", {"class": "file"})
    sec.append(E.H2(head["file"]))
    sec.append(
        E.P(
            E.CLASS("meta"),
            f"sha256 {head['sha256'][:16]}…  ·  x12tool {head.get('tool_version', __version__)}"
            f"  ·  IG validation {'on' if head.get('ig') else 'off'}",
        )
    )
    sec.append(
        E.DIV(
            E.CLASS("cards"),
            _card("claims", str(s["claims"])),
            _card("ready", str(s["ready"]), "good"),
            _card("corrected", str(s["corrected"]), "over"),
            _card("held", str(s["held"]), "risk"),
            _card(
                "findings",
                f"{s['findings']['error']}/{s['findings']['warning']}/{s['findings']['info']}",
            ),
        )
    )
    if m:
        sec.append(
            E.DIV(
                E.CLASS("cards"),
                _card("allowed as billed (Medicare est.)", dollars(m["allowed_as_billed"])),
                _card("allowed as sent", dollars(m["allowed_as_sent"]), "good"),
                _card("at risk (held claims)", dollars(m["at_risk"]), "risk"),
                _card("overbilling avoided", dollars(m["overbilling_avoided"]), "over"),
                _card("underbilled", dollars(m["underbilled"]), "under"),
                _card("CQ/CO reduction", dollars(m.get("reduction", "0"))),
                _card("sequestration 2% (shown apart)", dollars(m.get("sequestration", "0"))),
            )
        )
        sec.append(
            E.P(
                E.CLASS("basis"),
                E.B("Money basis: "),
                head.get("money_basis", "national"),
                f" — {head['money_detail']}" if head.get("money_detail") else "",
            )
        )

    # charts
    rule_rows = [
        (code, sorted(parts.items(), key=lambda kv: list(EFFECT_LABELS).index(kv[0])))
        for code, parts in sorted(by_rule.items(), key=lambda kv: -sum(kv[1].values()))
    ]
    sec.append(E.H3("Dollars by rule"))
    sec.append(bar_chart("Dollars by rule", rule_rows))
    sec.append(_legend(EFFECT_LABELS))
    class_rows, captions = [], []
    for cls, vals in sorted((m.get("by_payer_class") or {}).items()):
        captions.append(
            f"sent {dollars(vals.get('allowed_as_sent'))}, at risk {dollars(vals.get('at_risk'))}"
        )
        label = cls + (" (ref.)" if vals.get("reference_only") else "")
        class_rows.append(
            (
                label,
                [
                    ("allowed_as_sent", _amount(vals.get("allowed_as_sent"))),
                    ("at_risk", _amount(vals.get("at_risk"))),
                    ("overbilling_avoided", _amount(vals.get("overbilling_avoided"))),
                ],
            )
        )
    sec.append(E.H3("Dollars by payer class"))
    sec.append(bar_chart("Dollars by payer class", class_rows, captions))
    sec.append(_legend(["allowed_as_sent", "at_risk", "overbilling_avoided"]))
    if any(v.get("reference_only") for v in (m.get("by_payer_class") or {}).values()):
        sec.append(E.P(E.CLASS("note"), "(ref.) ", REFERENCE_NOTE))

    # held claims
    sec.append(E.H3(f"Held claims: what to fix ({counts['held']})"))
    if not held:
        sec.append(E.P("No claim is held."))
    for rec in held:
        div = _SUB(sec, "div", {"class": "claim held"})
        _claim_head_in(div, rec)
        _el(
            div,
            "p",
            f"At risk: {_money(rec, 'at_risk')} (estimated allowed amount as billed). "
            f"CLM at segment {rec.get('position')}, ST {rec.get('st')}.",
        )
        _findings_into(_SUB(div, "table"), rec["findings"])

    # corrected claims
    if (note := _more(len(held), counts["held"], head.get("worklist"))) is not None:
        sec.append(note)
    sec.append(E.H3(f"Corrected claims: before and after ({counts['corrected']})"))
    if not corrected:
        sec.append(E.P("No claim was corrected."))
    for rec in corrected:
        div = _SUB(sec, "div", {"class": "claim corrected"})
        _claim_head_in(div, rec)
        _el(
            div,
            "p",
            f"Allowed before {_money(rec, 'allowed_as_billed')} → after "
            f"{_money(rec, 'allowed_as_sent')}.",
        )
        _findings_into(_SUB(div, "table"), rec["findings"])
        table = _SUB(div, "table", {"class": "changes"})
        _head_row(table, ("segment", "before", "after"), frozenset({"segment"}))
        body = _SUB(table, "tbody")
        for ch in rec["changes"]:
            tr = _SUB(body, "tr")
            _el(tr, "td", str(ch.get("position") or ""), "num")
            _el(_SUB(tr, "td"), "span", ch["before"] or "—", "seg before")
            _el(_SUB(tr, "td"), "span", ch["after"] or "(deleted)", "seg after")
    if (note := _more(len(corrected), counts["corrected"])) is not None:
        sec.append(note)

    # every claim with something to say (the JSON report lists them all)
    sec.append(E.H3(f"Claims with findings or changes ({counts['listed']})"))
    table = _SUB(sec, "table", {"class": "claims"})
    _head_row(table, _LISTED_HEADS, frozenset({"as billed", "as sent", "at risk"}))
    body = _SUB(table, "tbody")
    for rec in listed:
        tr = _SUB(body, "tr")
        _el(_SUB(tr, "td"), "code", rec["id"])
        status = rec["status"]
        _el(_SUB(tr, "td"), "span", status, f"status {status}")
        _badge_in(_el(tr, "td", rec["payer_class"] + " "), rec)
        _el(tr, "td", rec.get("member_id", ""))
        _el(tr, "td", _money(rec, "allowed_as_billed"), "num")
        _el(tr, "td", _money(rec, "allowed_as_sent"), "num")
        _el(tr, "td", _money(rec, "at_risk"), "num")
        _el(tr, "td", ", ".join(sorted({f["code"] for f in rec["findings"]})))
    if (note := _more(len(listed), counts["listed"])) is not None:
        sec.append(note)
    return sec


class HtmlPage:
    """One page for the inputs of a run: each input's section is built when its report is
    added (its records are read once, then may go), the page is written on :meth:`close`."""

    def __init__(self, out: TextIO, *, many: bool = False) -> None:
        self.out = out
        self.files: list[str] = []
        self.sections: list = []

    def add(self, report: FileReport) -> None:
        head, records = report
        self.files.append(head["file"])
        self.sections.append(_file_section(head, records))

    def close(self) -> None:
        """Write the page if an input was added (check writes nothing when none could be read)."""
        if self.sections:
            self.write()

    def write(self) -> None:
        """Write the page, even with no input (preflight prints one whatever was refused)."""
        self.out.write(self.render())

    def render(self) -> str:
        files = ", ".join(self.files)
        body = E.MAIN(
            E.H1("x12tool preflight report"),
            E.P(
                E.CLASS("meta"),
                f"{files}. Dollar figures are estimates of the Medicare Physician Fee Schedule "
                "allowed amount (see the docs: What each finding costs), not remittance amounts.",
            ),
        )
        body.extend(self.sections)
        body.append(E.P(E.CLASS("note"), REFERENCE_NOTE))
        page = E.HTML(
            E.HEAD(
                E.META(charset="utf-8"),
                E.META(name="viewport", content="width=device-width, initial-scale=1"),
                E.TITLE(f"x12tool report: {files}"),
                E.STYLE(CSS),
            ),
            E.BODY(body),
            lang="en",
        )
        return E.page_text(page)
