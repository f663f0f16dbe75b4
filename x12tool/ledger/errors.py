"""Errors of the ledger layer."""

from __future__ import annotations


class LedgerError(Exception):
    """The ledger or an amounts CSV cannot be used (bad path, bad CSV, no server): exit 2."""
