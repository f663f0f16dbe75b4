"""Reference data for the checks: therapy codes, thresholds, payers, taxonomy, PFS, NCCI, profiles,
277CA statuses, CARC/RARC labels.

The data lives in XML files under ``maps/`` (validated against XSDs); see docs/maps.md.
"""

from .errors import MapError
from .loader import RefData, load_refdata
from .model import CodeInfo, ModifierInfo, NcciPair, Profile, Rvu, Threshold
from .paths import maps_dir
from .profiles import DEFAULT_PROFILE

# The 277CA statuses are read by the acknowledgment writer alone, the CARC/RARC labels by the
# 835 commands and DEN001's messages: imported when asked for.
_CLAIM_STATUS = ("ClaimStatus", "ClaimStatusMap", "load_claim_status")
_REASONS = {
    "UNKNOWN_CODE": "UNKNOWN",
    "ReasonCode": "ReasonCode",
    "ReasonCodes": "ReasonCodes",
    "load_reason_codes": "load_reason_codes",
}


def __getattr__(name: str):
    if name in _CLAIM_STATUS:
        from . import claim_status

        return getattr(claim_status, name)
    if name in _REASONS:
        from . import reasons

        return getattr(reasons, _REASONS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_PROFILE",
    "ClaimStatus",
    "ClaimStatusMap",
    "CodeInfo",
    "MapError",
    "ModifierInfo",
    "NcciPair",
    "Profile",
    "ReasonCode",
    "ReasonCodes",
    "RefData",
    "Rvu",
    "Threshold",
    "UNKNOWN_CODE",
    "load_claim_status",
    "load_reason_codes",
    "load_refdata",
    "maps_dir",
]
