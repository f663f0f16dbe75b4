"""The fee-schedule context of one run: RVUs, conversion factors and the GPCIs of a locality.

RVUs come from the imported PFS (``x12tool maps import-pfs``) for a year it holds, else from the
shipped ``maps/pfs.xml`` (CY2026, PPRRVU2026_Jul_nonQPP). Conversion factors likewise (the
shipped 2025 and 2026 factors; the non-qualifying-APM factor, which most therapists get).
GPCIs: all 1.0 (``national``) unless ``--locality MAC:LOCALITY`` names a locality of an imported
GPCI file; ``--locality NPI=MAC:LOCALITY`` sets it for one billing provider (2010AA NM109).
No GPCI values ship with x12tool.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from x12tool.money.store import NATIONAL, FeeStore, Gpci, LocalityRow
from x12tool.refdata import RefData
from x12tool.refdata.paths import default_db_path
from x12tool.values import FrozenSlots, set_field, value_class

NATIONAL_BASIS = "national"
PAID_STATUSES = frozenset("ART")  # A active, R restricted, T paid when no other service that day
_SPEC = re.compile(r"^(?:(?P<npi>\d{10})=)?(?P<mac>[0-9A-Za-z]{1,5}):(?P<loc>[0-9A-Za-z]{1,2})$")


class LocalityError(ValueError):
    """A --locality value that is malformed or names no imported locality."""


# A frozen dataclass with slots writing its own __init__ (x12tool/values.py).
@value_class
class Rate(FrozenSlots):
    """What one unit of a code is priced from."""

    __slots__ = ("code", "year", "status", "work", "pe", "mp", "mult_proc", "cf", "gpci", "source")
    code: str
    year: int
    status: str
    work: Decimal
    pe: Decimal  # non-facility PE: outpatient therapy is paid at the non-facility rate
    mp: Decimal
    mult_proc: str
    cf: Decimal
    gpci: Gpci
    source: str

    def __init__(
        self,
        code: str,
        year: int,
        status: str,
        work: Decimal,
        pe: Decimal,
        mp: Decimal,
        mult_proc: str,
        cf: Decimal,
        gpci: Gpci,
        source: str,
    ) -> None:
        set_field(self, "code", code)
        set_field(self, "year", year)
        set_field(self, "status", status)
        set_field(self, "work", work)
        set_field(self, "pe", pe)
        set_field(self, "mp", mp)
        set_field(self, "mult_proc", mult_proc)
        set_field(self, "cf", cf)
        set_field(self, "gpci", gpci)
        set_field(self, "source", source)

    @property
    def paid(self) -> bool:
        return self.status in PAID_STATUSES


def parse_locality(spec: str) -> tuple[str | None, str, str]:
    """``"04412:31"`` -> (None, "04412", "31"); ``"1234567893=04412:31"`` -> (npi, mac, loc)."""
    m = _SPEC.match(spec.strip())
    if not m:
        raise LocalityError(
            f"--locality {spec!r}: expected MAC:LOCALITY (e.g. 04412:31) or NPI=MAC:LOCALITY"
        )
    mac = m["mac"].upper().zfill(5)
    loc = m["loc"].upper().zfill(2)
    return m["npi"], mac, loc


class FeeSchedule:
    """Rates per code and year, for the run's locality (or per billing provider NPI)."""

    def __init__(
        self,
        ref: RefData,
        store: FeeStore | None = None,
        localities: list[str] | tuple[str, ...] = (),
        *,
        qualifying_apm: bool = False,
    ) -> None:
        self.ref = ref
        self.store = store
        self.qualifying_apm = qualifying_apm
        self.default: list[LocalityRow] | None = None
        self.by_npi: dict[str, list[LocalityRow]] = {}
        for spec in localities:
            npi, mac, loc = parse_locality(spec)
            rows = store.localities(mac, loc) if store is not None else []
            if not rows:
                where = f" in {store.path}" if store is not None else " (no maps store)"
                raise LocalityError(
                    f"--locality {spec}: no GPCI for locality {mac}:{loc}{where}; import CMS's "
                    "GPCI file with 'x12tool maps import-gpci FILE' first (see the docs: What each "
                    "finding costs)"
                )
            if npi is None:
                self.default = rows
            else:
                self.by_npi[npi] = rows
        self._rates: dict[tuple[str, int, str], Rate | None] = {}
        self.years_used: set[int] = set()
        self.fallbacks: set[tuple[int, int]] = set()  # (service year, priced with year)
        self._latest: int | None = None
        # modifiers as billed -> (percent, effective from) of their CQ/CO-style assistant
        # modifiers, in order: each priced line asked refdata for every modifier it carries
        self._assistant: dict[tuple[str, ...], tuple[tuple[int, object], ...]] = {}
        # (code as billed, year, npi) -> (paid rate or None, note, MPPR applies): see line_terms
        self._terms: dict[tuple[str, int | None, str | None], tuple[Rate | None, str, bool]] = {}

    # ------------------------------------------------------------------ basis

    @property
    def basis(self) -> str:
        """``national``, the locality (``04412:31``), or ``per billing provider`` with a default."""
        base = self.default[0].key if self.default else NATIONAL_BASIS
        if self.by_npi:
            return f"{base}; per billing provider: " + ", ".join(
                f"{npi}={rows[0].key}" for npi, rows in sorted(self.by_npi.items())
            )
        return base

    def describe(self) -> str:
        """One sentence for the reports: where the numbers come from."""
        parts = []
        if self.default:
            r = self.default[0]
            parts.append(
                f"locality {r.key} ({r.state} {r.name}, GPCI {r.year}: work {r.gpci.work}, "
                f"PE {r.gpci.pe}, MP {r.gpci.mp})"
            )
        else:
            parts.append("national (all GPCIs 1.0; no locality given)")
        for npi, rows in sorted(self.by_npi.items()):
            parts.append(f"billing provider {npi}: locality {rows[0].key} ({rows[0].name})")
        years = sorted(self.years_used) or [self.latest_year()]
        cfs = ", ".join(f"CY{y} CF {self.conversion_factor(y)}" for y in years)
        apm = "qualifying APM" if self.qualifying_apm else "non-qualifying APM"
        text = (
            f"Medicare PFS estimate, non-facility rate; {'; '.join(parts)}; {cfs} ({apm}); "
            "therapy MPPR and CQ/CO 85% applied; 2% sequestration shown apart"
        )
        for service, used in sorted(self.fallbacks):
            text += f"; {service} services priced with CY{used} RVUs (no CY{service} RVUs loaded)"
        return text

    # ------------------------------------------------------------------ lookups

    def latest_year(self) -> int:
        """The newest year with RVUs: imported, or shipped (probed through the public API)."""
        if self._latest is None:
            years = set(self.store.rvu_years()) if self.store is not None else set()
            probe = list(self.ref.codes)[:20] or ["97530"]
            for y in range(2020, 2041):
                if any(self.ref.rvu(c, y) is not None for c in probe):
                    years.add(y)
            self._latest = max(years) if years else 2026
        return self._latest

    def conversion_factor(self, year: int) -> Decimal | None:
        apm = "qualifying" if self.qualifying_apm else "non_qualifying"
        if self.store is not None:
            cf = self.store.conversion_factor(year, apm)
            if cf is not None:
                return cf
        return self.ref.conversion_factor(year, self.qualifying_apm)

    def gpci(self, year: int, npi: str | None) -> Gpci:
        rows = self.by_npi.get(npi or "") or self.default
        if not rows:
            return NATIONAL
        for r in rows:  # newest first: the service year, else the newest older one
            if r.year <= year:
                return r.gpci
        return rows[-1].gpci

    def _rvu(self, code: str, year: int):
        if self.store is not None:
            got = self.store.rvu(code, year)
            if got is not None:
                return got
        return self.ref.rvu(code, year)

    def rate(self, code: str, year: int | None, npi: str | None = None) -> Rate | None:
        """The rate of ``code`` for a service in ``year`` (None: no RVUs for the code)."""
        code = (code or "").strip().upper()
        if year is None:
            year = self.latest_year()
        key = (code, year, npi or "")
        if key in self._rates:
            return self._rates[key]
        rvu = self._rvu(code, year)
        used = year
        if rvu is None:
            latest = self.latest_year()
            if latest != year:
                rvu = self._rvu(code, latest)
                used = latest
        rate = None
        if rvu is not None:
            cf = self.conversion_factor(used)
            if cf is not None:
                if used != year:
                    self.fallbacks.add((year, used))
                self.years_used.add(used)
                rate = Rate(
                    code=code,
                    year=used,
                    status=rvu.status,
                    work=rvu.work,
                    pe=rvu.pe_nonfacility,
                    mp=rvu.mp,
                    mult_proc=rvu.mult_proc,
                    cf=cf,
                    gpci=self.gpci(used, npi),
                    source=rvu.source,
                )
        self._rates[key] = rate
        return rate

    def line_terms(
        self, code: str, year: int | None, npi: str | None
    ) -> tuple[Rate | None, str, bool]:
        """What pricing reads of the schedule for a line of ``code`` (as billed, not blank):
        the rate when it is paid (else None), the note of a line it cannot price, and whether
        the therapy MPPR applies. Kept per code, year and NPI: every line of a file asked the
        same few codes again."""
        key = (code, year, npi)
        got = self._terms.get(key)
        if got is None:
            rate = self.rate(code, year, npi)
            note = ""
            if rate is None:
                note = f"{code}: no PFS RVUs loaded"
            elif not rate.paid:
                note = f"{code}: PFS status {rate.status}, no separate payment"
                rate = None
            got = self._terms[key] = (rate, note, rate is not None and self.mppr(code, rate))
        return got

    def assistant_terms(self, modifiers: tuple[str, ...]) -> tuple[tuple[int, object], ...]:
        """(payment percent, payment effective date or None) of each assistant modifier among
        ``modifiers`` that has a percentage, in billing order (x12tool.money.pricing applies
        the first one in effect on the line's date)."""
        got = self._assistant.get(modifiers)
        if got is None:
            terms = []
            for mod in modifiers:
                info = self.ref.modifier(mod)
                if info is None or info.kind != "assistant" or info.payment_percent is None:
                    continue
                terms.append((info.payment_percent, info.payment_effective))
            got = self._assistant[modifiers] = tuple(terms)
        return got

    def mppr(self, code: str, rate: Rate) -> bool:
        """Subject to the therapy MPPR: an "always therapy" code (MULT PROC indicator 5)."""
        return rate.mult_proc == "5" or self.ref.is_always_therapy(code)


def open_fee_schedule(
    ref: RefData, maps_db: str | None, localities: list[str] | tuple[str, ...] = ()
) -> FeeSchedule:
    """The run's schedule: the store at ``maps_db`` (default: the user data folder) when the file
    exists (read only, never created), and the given localities."""
    path = Path(maps_db) if maps_db else default_db_path()
    store = FeeStore(path, create=False) if path.is_file() else None
    return FeeSchedule(ref, store, list(localities or ()))
