"""The note a priced line carries when the payer's own rate priced it.

Its own module because the money step of every run tests lines for it, while the rates module
behind it (the 835 store, statistics) is needed only when a ledger holds rates.
"""

from __future__ import annotations

NOTE_PREFIX = "payer rate"
