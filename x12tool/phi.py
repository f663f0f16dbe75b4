"""Masking of protected health information in everything x12tool prints or writes by default.

Claims are named by CLM01 (the provider's patient control number, which the provider chose and
needs to find the claim). Member ids are masked unless the user passes ``--show-phi``;
``mask_id`` keeps the last four characters so a biller can still tell two members apart, the way
card numbers are shown. x12tool's own messages never show names or birth dates.
"""

from __future__ import annotations


def mask_id(value: str, show: bool = False) -> str:
    if show or not value:
        return value
    keep = 4 if len(value) > 6 else max(0, len(value) - 4)
    return "*" * (len(value) - keep) + value[len(value) - keep :]
