"""pyx12's own 837P validation of a file, single process, as users run it today.

Full map and code-set validation through ``pyx12.x12n_document``; the 999 goes to a discarded
buffer, no HTML, and pyx12's logger is silenced. Prints ``OK`` (exit 0) or ``Failure`` (exit 1).
The file is handed to pyx12 as it is (no normalization, unlike ``x12tool.edi.ig``).

    python benchmarks/pyx12_validate.py FILE
"""

from __future__ import annotations

import io
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python benchmarks/pyx12_validate.py FILE", file=sys.stderr)
        return 2
    log = logging.getLogger("pyx12")
    log.addHandler(logging.NullHandler())
    log.setLevel(logging.CRITICAL + 1)
    log.propagate = False

    import pyx12.params
    import pyx12.x12n_document

    with open(args[0]) as src:
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=src,
            fd_997=io.StringIO(),
            fd_html=None,
        )
    print("OK" if ok else "Failure")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
