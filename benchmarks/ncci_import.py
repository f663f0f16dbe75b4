"""Benchmark: import a generated 1,000,000-row CMS-layout PTP file, then look pairs up.

Not run by the test suite. Usage::

    python benchmarks/ncci_import.py [--rows 1000000] [--lookups 200000]

Prints the file size, import time, peak RSS (resource.getrusage, whole process) and lookups per
second (NcciIndex.pairs_for on random code pairs, with and without the LRU cache). Everything is
written to a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from x12tool.ncci import NcciIndex, NcciStore  # noqa: E402
from x12tool.ncci.importers import import_ptp  # noqa: E402
from x12tool.refdata import load_refdata  # noqa: E402


def peak_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def codes(n: int) -> list[str]:
    # CPT-like numeric codes and HCPCS-like G codes
    out = [f"{10000 + i * 7 % 89999:05d}" for i in range(n // 2)]
    out += [f"G{i:04d}" for i in range(n - len(out))]
    return out


def generate(path: Path, rows: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    pool = codes(4000)
    sample: list[tuple[str, str]] = []
    with path.open("w", newline="") as fh:
        fh.write("Generated test data in the layout of the CMS practitioner PTP file\r\n")
        fh.write("Column 1\tColumn 2\t*=in existence\tEffective\tDeletion\tModifier\tRationale\r\n")
        fh.write("\t\tprior to 1996\tDate\tDate *=no data\t0/1/9\t\r\n")
        per = rows // len(pool) + 1
        n = 0
        for c1 in pool:
            for c2 in rng.sample(pool, per):
                if n >= rows:
                    break
                if c2 == c1:
                    c2 = "99999"
                pre = "*" if rng.random() < 0.05 else ""
                eff = rng.choice(("19960101", "20150101", "20200101", "20201001", "20240401"))
                deleted = "*" if rng.random() < 0.8 else "20250101"
                ind = rng.choice("0111119")
                fh.write(
                    f"{c1}\t{c2}\t{pre}\t{eff}\t{deleted}\t{ind}\t"
                    "Misuse of column two code with column one code\r\n"
                )
                if n % 97 == 0:
                    sample.append((c1, c2))
                n += 1
    return sample


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=200_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        ptp = tmpdir / "ccipra-v320r0-f1.txt"
        t0 = time.perf_counter()
        sample = generate(ptp, args.rows)
        gen_s = time.perf_counter() - t0
        rss_before = peak_rss_mib()
        size_mb = ptp.stat().st_size / 1e6
        with NcciStore(tmpdir / "maps.sqlite") as store:
            t0 = time.perf_counter()
            result = import_ptp(store, [ptp])
            import_s = time.perf_counter() - t0
            rss_after = peak_rss_mib()
            t0 = time.perf_counter()
            import_ptp(store, [ptp])
            reimport_s = time.perf_counter() - t0
            stored = store.count("ptp")
            db_mb = sum(f.stat().st_size for f in tmpdir.glob("maps.sqlite*")) / 1e6

            ref = load_refdata()
            rng = random.Random(2)
            pool = codes(4000)
            queries = [
                rng.choice(sample) if rng.random() < 0.5 else tuple(rng.sample(pool, 2))
                for _ in range(args.lookups)
            ]
            day = date(2026, 3, 2)
            cold = NcciIndex(ref, store, cache_size=0)
            t0 = time.perf_counter()
            for a, b in queries:
                cold.pairs_for(a, b, day)
            cold_s = time.perf_counter() - t0
            warm = NcciIndex(ref, store)
            hot = queries[:1000] * (args.lookups // 1000)
            for a, b in hot[:1000]:
                warm.pairs_for(a, b, day)
            t0 = time.perf_counter()
            for a, b in hot:
                warm.pairs_for(a, b, day)
            warm_s = time.perf_counter() - t0
    print(f"rows generated:        {args.rows:,} ({size_mb:.1f} MB, {gen_s:.1f} s to write)")
    print(f"rows imported:         {result.rows:,} ({result.bad_count} bad)")
    print(f"import time:           {import_s:.1f} s ({result.rows / import_s:,.0f} rows/s)")
    print(f"re-import (upsert):    {reimport_s:.1f} s")
    print(f"store:                 {stored:,} edits, {db_mb:.1f} MB (with WAL)")
    print(f"peak RSS:              {rss_after:.1f} MiB (before import: {rss_before:.1f} MiB)")
    print(f"lookups, no cache:     {args.lookups / cold_s:,.0f}/s (pairs_for, both orders)")
    print(f"lookups, LRU warm:     {len(hot) / warm_s:,.0f}/s")


if __name__ == "__main__":
    main()
