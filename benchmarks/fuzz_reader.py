"""Coverage-guided fuzzing of the X12 reader and claim model with atheris (libFuzzer).

The target feeds arbitrary bytes to ``SegmentReader`` (small chunks, to exercise the chunk
boundaries), the envelope checks and ``iter_items``. The only acceptable outcomes are a clean
read or ``X12InputError`` with a one-line message; anything else is a crash that libFuzzer
reports with the input that caused it.

    pip install atheris          # or: pip install '.[fuzz]'
    python benchmarks/fuzz_reader.py -runs=20000 -seed=1          # bounded by iterations
    python benchmarks/fuzz_reader.py -max_total_time=60 CORPUS/   # bounded by time

Without arguments it runs ``-runs=20000 -seed=1``. Seeds: the sample batch, the public fixtures
and the synthetic claim (plus CORPUS/ if given, where libFuzzer also saves new inputs).
``tests/hostile/test_fuzz.py`` runs it for a bounded time (marked slow).
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import atheris  # noqa: E402

with atheris.instrument_imports():
    from x12tool.claims import iter_items
    from x12tool.edi import SegmentReader, X12InputError
    from x12tool.edi.envelope import checked


# Known bugs (exception type, function it is raised in): counted, not reported again, so that
# fuzzing goes on looking for new ones. Each has a strict xfail case in tests/hostile/.
KNOWN: set[tuple[str, str]] = set()  # none open (LX01 '²' was one; fixed in claims/parse.py)


def target(data: bytes) -> None:
    try:
        reader = SegmentReader(io.BytesIO(data), "fuzz.837", chunk_size=64)
        for _ in iter_items(checked(reader, "fuzz.837"), "fuzz.837"):
            pass
    except X12InputError as exc:
        if "\n" in str(exc):
            raise AssertionError(f"multi-line error message: {exc!r}") from None
    except Exception as exc:
        tb = exc.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        if (type(exc).__name__, tb.tb_frame.f_code.co_name) not in KNOWN:
            raise


def seeds() -> list[bytes]:
    folders = [os.path.join(ROOT, "fixtures", "sample"), os.path.join(ROOT, "fixtures", "public")]
    out = []
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            if name.endswith((".837", ".txt", ".edi")):
                with open(os.path.join(folder, name), "rb") as fh:
                    out.append(fh.read())
    return out


def main(argv: list[str]) -> None:
    args = argv[1:] or ["-runs=20000", "-seed=1"]
    corpus = [a for a in args if not a.startswith("-")]
    if not corpus:
        seed_dir = tempfile.mkdtemp(prefix="x12tool-fuzz-seeds-")
        args.append(seed_dir)
        # atheris.Fuzz() ends the process; remove the seed folder (and what libFuzzer added
        # to it) on the way out
        atexit.register(shutil.rmtree, seed_dir, True)
    else:
        seed_dir = corpus[0]
        os.makedirs(seed_dir, exist_ok=True)
    for n, data in enumerate(seeds()):
        with open(os.path.join(seed_dir, f"seed-{n:03d}"), "wb") as fh:
            fh.write(data)
    atheris.Setup([argv[0], *args], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
