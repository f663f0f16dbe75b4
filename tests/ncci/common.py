"""Paths of the CMS-layout test files (made-up data; see data/ headers)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).parent / "data"
PTP = DATA / "ccipra-v320r0-f1.txt"
PTP_CSV = DATA / "ptp_practitioner_2026Q1.csv"
MUE = DATA / "MCR_MUE_PractitionerServices_Eff_01-01-2026.csv"
