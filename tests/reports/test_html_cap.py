"""The HTML page lists up to MAX_LISTED claims a table and says how many more the JSON holds."""

from __future__ import annotations

import json
import re

from devtools.synth import generate
from x12tool.reports.html_report import MAX_LISTED


def test_long_lists_are_capped_with_a_count_of_the_rest(tmp_path, cli):
    path = tmp_path / "many.837"
    with open(path, "wb") as fh:
        generate(fh, claims=3 * MAX_LISTED, seed=3, claims_per_st=3 * MAX_LISTED, defect_rate=1.0)
    report = tmp_path / "r.json"
    cli("check", path, "--no-ig", "--format", "json", "-o", report)
    page = tmp_path / "r.html"
    cli("check", path, "--no-ig", "--format", "html", "-o", page)
    summary = json.loads(report.read_text())["summary"]
    html = page.read_text()
    notes = [int(n) for n in re.findall(r"(\d+) more not listed here", html)]
    # every table that has more claims than the cap says exactly how many are left out
    expected = [n - MAX_LISTED for n in (summary["held"], summary["corrected"]) if n > MAX_LISTED]
    assert expected, summary  # the file is big enough to reach the cap
    for n in expected:
        assert n in notes
