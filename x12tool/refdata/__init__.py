"""Reference data for the checks: therapy codes, thresholds, payers, taxonomy, PFS, NCCI, profiles.

The data lives in XML files under ``maps/`` (validated against XSDs); see docs/maps.md.
"""

from .errors import MapError
from .loader import (
    DEFAULT_PROFILE,
    ClaimStatus,
    ClaimStatusMap,
    RefData,
    load_claim_status,
    load_refdata,
)
from .model import CodeInfo, ModifierInfo, NcciPair, Profile, Rvu, Threshold
from .paths import maps_dir

__all__ = [
    "DEFAULT_PROFILE",
    "ClaimStatus",
    "ClaimStatusMap",
    "CodeInfo",
    "MapError",
    "ModifierInfo",
    "NcciPair",
    "Profile",
    "RefData",
    "Rvu",
    "Threshold",
    "load_claim_status",
    "load_refdata",
    "maps_dir",
]
