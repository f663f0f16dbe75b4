"""Generated findings for the HTML report tests: each test compares our pages with the ones
lxml.html's builder makes, on findings that hold hostile texts."""

from __future__ import annotations

import random


def finding(rnd: random.Random, texts: list[str]) -> dict:
    """One finding as the JSON report has it, its texts drawn from ``texts``."""

    def text() -> str:
        return rnd.choice(texts)

    f = {
        "code": rnd.choice(["TU001", "NCCI001", "", text()]),
        "severity": rnd.choice(["error", "warning", "info"]),
        "line": rnd.choice([None, 0, 2, ""]),
        "message": text(),
    }
    if rnd.random() < 0.6:
        f["fix"] = rnd.choice(
            [None, {}, {"description": "", "applicability": "safe"}]
            + [{"description": text() or "d", "applicability": "unsafe"}]
        )
    if rnd.random() < 0.7:
        f["resolution"] = rnd.choice(["open", "fixed", "", text()])
    if rnd.random() < 0.6:
        f["money"] = rnd.choice(["", "0", "12.34", "7"])
        f["money_effect"] = rnd.choice(
            [None, "", "at_risk", "underbilled", "reduction", "overbilling_avoided"]
        )
    return f
