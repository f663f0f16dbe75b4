"""Reference data for the checks: therapy codes, thresholds, payers, taxonomy, PFS, NCCI, profiles,
277CA statuses, CARC/RARC labels.

The data lives in XML files under ``maps/`` (validated against XSDs); see docs/maps.md.
"""

from .claim_status import ClaimStatus, ClaimStatusMap, load_claim_status
from .errors import MapError
from .loader import RefData, load_refdata
from .model import CodeInfo, ModifierInfo, NcciPair, Profile, Rvu, Threshold
from .paths import maps_dir
from .profiles import DEFAULT_PROFILE
from .reasons import UNKNOWN as UNKNOWN_CODE
from .reasons import ReasonCode, ReasonCodes, load_reason_codes

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
