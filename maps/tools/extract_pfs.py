"""Extract therapy-code RVUs from a CMS PPRRVU CSV into maps/pfs.xml.

Usage::

    python maps/tools/extract_pfs.py PPRRVU2026_Jul_nonQPP.csv \
        [--codes maps/codes.xml] [--out maps/pfs.xml]

Only codes and numbers are written. The CSV's DESCRIPTION column (CPT short descriptors, AMA
copyright) is never copied. The script is not run by the tests; re-run it when CMS publishes
a new release and review the diff. Conversion factors are written from the constants below
(cms-rules.md §7), not from the CSV's CONV FACTOR column, which carries only the non-qualifying
APM value.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

HERE = Path(__file__).resolve().parent
MAPS = HERE.parent

# Code ranges (inclusive, numeric CPT) and single codes, taken in addition to codes.xml's codes.
RANGES = [(97010, 97039), (97110, 97763), (97161, 97172), (92507, 92609)]
SINGLES = {"G0281", "G0283", "G0329", "96125", "97129", "97130", "97150", "97550", "97551"}

CONVERSION_FACTORS = [
    # year, apm, amount, source, confidence
    (
        2025,
        "all",
        "32.3465",
        "CY2025 PFS single conversion factor; Part B News, APTQI (cms-rules.md §7)",
        "H",
    ),
    (
        2026,
        "non_qualifying",
        "33.4009",
        "CMS-1832-F, 90 FR 49266; Part B News; APTQI; RVU26C CONV FACTOR column (cms-rules.md §7)",
        "H",
    ),
    (
        2026,
        "qualifying",
        "33.5675",
        "CMS-1832-F, 90 FR 49266; Part B News; APTQI; AAMC (cms-rules.md §7)",
        "H",
    ),
]

HEADER_ROWS = 10  # the first data row follows the multi-line header ending with "HCPCS,MOD,..."


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


def wanted_codes(codes_xml: Path) -> set[str]:
    tree = etree.parse(str(codes_xml), _safe_parser())
    return {el.get("value") for el in tree.getroot().iterfind("code")}


def in_ranges(code: str) -> bool:
    return code.isdigit() and any(lo <= int(code) <= hi for lo, hi in RANGES)


def read_release(lines: list[list[str]]) -> tuple[int, str]:
    """Return (year, released ISO date) from the title rows of the CSV."""
    year = released = None
    for row in lines[:HEADER_ROWS]:
        text = " ".join(row)
        m = re.search(r"(\d{4}) National Physician Fee Schedule", text)
        if m:
            year = int(m.group(1))
        m = re.search(r"RELEASED (\d{2})/(\d{2})/(\d{4})", text)
        if m:
            released = f"{m.group(3)}-{m.group(1)}-{m.group(2)}"
    if year is None or released is None:
        raise SystemExit("could not find the release year/date in the CSV title rows")
    return year, released


def column_index(lines: list[list[str]]) -> dict[str, int]:
    """Join the multi-line header into one name per column."""
    header_rows = lines[5:HEADER_ROWS]
    if not header_rows or header_rows[-1][:2] != ["HCPCS", "MOD"]:
        raise SystemExit(
            "unexpected header layout (expected the last header row to start HCPCS,MOD)"
        )
    width = len(header_rows[-1])
    names = [
        " ".join(r[i] for r in header_rows if i < len(r) and r[i]).strip() for i in range(width)
    ]
    need = {
        "HCPCS": "HCPCS",
        "MOD": "MOD",
        "status": "STATUS CODE",
        "work": "WORK RVU",
        "pe_nf": "NON-FAC PE RVU",
        "nf_na": "NON-FAC NA INDICATOR",
        "pe_f": "FACILITY PE RVU",
        "f_na": "FACILITY NA INDICATOR",
        "mp": "MP RVU",
        "pctc": "PCTC IND",
        "mult": "MULT PROC",
    }
    idx = {}
    for key, name in need.items():
        if name not in names:
            raise SystemExit(f"column {name!r} not found in header: {names}")
        idx[key] = names.index(name)
    return idx


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path, help="CMS PPRRVU<year>_<release>_nonQPP.csv")
    ap.add_argument("--codes", type=Path, default=MAPS / "codes.xml")
    ap.add_argument("--out", type=Path, default=MAPS / "pfs.xml")
    args = ap.parse_args(argv)

    with args.csv.open(newline="", encoding="latin-1") as fh:
        lines = list(csv.reader(fh))
    year, released = read_release(lines)
    idx = column_index(lines)
    want = wanted_codes(args.codes) | SINGLES
    fname = args.csv.name
    src = f"{fname} (CMS PFS RVU file, released {released}; cms-rules.md §7)"

    rows = []
    for row in lines[HEADER_ROWS:]:
        if len(row) <= idx["mult"] or row[idx["MOD"]] != "":
            continue
        code = row[idx["HCPCS"]]
        if code in want or in_ranges(code):
            rows.append(row)
    rows.sort(key=lambda r: (not r[0][0].isdigit(), r[0]))

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!--",
        "  maps/pfs.xml: GENERATED by maps/tools/extract_pfs.py; do not edit by hand.",
        f"  RVUs from {fname} (released {released}), rows with an empty MOD column only.",
        "  Codes and numbers only: descriptors (AMA copyright) are not copied. Schema: pfs.xsd.",
        "  Confidence M: the CSV copy came from a public repository",
        "  (prestigesf/medicare-Billrosetta-) and was cross-checked against values quoted from",
        "  the CMS file (cms-rules.md §7).",
        "  facility_na / nonfacility_na: the file's NA indicators. Outpatient therapy is paid",
        "  at the non-facility rate.",
        "-->",
        '<pfs schema_version="1">',
    ]
    for cy, apm, amount, csrc, conf in CONVERSION_FACTORS:
        out.append(
            f'  <conversion_factor year="{cy}" apm="{apm}" amount="{amount}"'
            f" source={quoteattr(csrc)} confidence={quoteattr(conf)}/>"
        )
    out.append(
        f'  <release year="{year}" file={quoteattr(fname)} released="{released}"'
        f' source={quoteattr(src)} confidence="M">'
    )
    for r in rows:
        out.append(
            f'    <rvu code="{r[idx["HCPCS"]]}" status="{r[idx["status"]]}" work="{r[idx["work"]]}"'
            f' pe_nonfacility="{r[idx["pe_nf"]]}" pe_facility="{r[idx["pe_f"]]}"'
            f' mp="{r[idx["mp"]]}"'
            f' nonfacility_na="{str(r[idx["nf_na"]] == "NA").lower()}"'
            f' facility_na="{str(r[idx["f_na"]] == "NA").lower()}"'
            f' pctc="{r[idx["pctc"]]}" mult_proc="{r[idx["mult"]]}"'
            f' source={quoteattr(fname)} confidence="M"/>'
        )
    out.append("  </release>")
    out.append("</pfs>")
    args.out.write_text("\n".join(out) + "\n", encoding="utf-8")
    missing = sorted(want - {r[idx["HCPCS"]] for r in rows})
    if missing:
        print(f"not in {fname}: {' '.join(missing)}", file=sys.stderr)
    print(f"wrote {len(rows)} codes to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
