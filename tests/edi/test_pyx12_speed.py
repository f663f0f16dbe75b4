"""pyx12_speed's replacements give exactly pyx12 4.0.0's results.

The stock side runs in a child process that never calls ``install()``, while this process runs
the same files with the replacements in; every ``run_pyx12`` result must be equal.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
import pyx12.path
import pyx12.validation
from conftest import FIXTURES, ROOT, SYNTHETIC

from devtools.synth import generate
from x12tool.edi import ig, pyx12_speed
from x12tool.edi.ig_chunks import iter_split

STOCK = """
import json, sys
import pyx12.path
from x12tool.edi import ig, pyx12_speed
pyx12_speed.install = lambda: False  # run_pyx12 calls it; keep pyx12 stock
out = [ig.run_pyx12(p) for p in json.loads(open(sys.argv[1]).read())]
assert pyx12.path.X12Path.__hash__.__module__ == "pyx12.path"
json.dump(out, sys.stdout)
"""

MUTATIONS = {  # name: (segment prefix, replace this, with this)
    "bad_pos": ("CLM*", "*11:B:1*", "*00:B:1*"),
    "bad_entity_qualifier": ("NM1*IL*", "****MI*", "****ZZ*"),
    "bad_service_date": ("DTP*472*D8*", "*D8*2026", "*D8*2026134"),
    "bad_birth_date": ("DMG*D8*", "*D8*19", "*D8*1999139"),
    "ctrl_bel": ("NM1*IL*", "*1*", "*1*\x07"),
    "ctrl_soh": ("NM1*82*", "*1*", "*1*A\x01"),
    "ctrl_etb_before_ht": ("N3*", "N3*", "N3*\x17AB\x09"),
    "ctrl_us": ("N4*", "*TX*", "*T\x1fX*"),
    "ctrl_ht_alone": ("NM1*PR*", "*2*", "*2*\x09"),
    "too_many_elements": ("REF*6R*", "REF*6R*", "REF*6R*X*Y*Z*W*"),
    "too_long": ("CLM*", "CLM*", "CLM*" + "9" * 40),
    "trailing_space": ("NM1*PR*", "*PI*", "*PI *"),
    "unknown_segment": ("LX*", "LX*", "ZZZ*1~\nLX*"),
}
DROPS = {  # missing segments / loops, hence counter resets and missing-mandatory errors
    "no_billing_provider": "NM1*85*",
    "no_subscriber_name": "NM1*IL*",
    "no_sbr": "SBR*",
    "no_dtp": "DTP*472*",
    "no_se": "SE*",
}


def x12_files():
    for p in sorted(FIXTURES.rglob("*")):
        if p.is_file() and p.suffix in (".837", ".edi", ".txt", ".x12"):
            yield p


def variants():
    """Generated claims made wrong in the ways MUTATIONS and DROPS list, a few claims each."""
    buf = io.BytesIO()
    generate(buf, claims=30, seed=11, claims_per_st=15, defect_rate=0)
    segs = buf.getvalue().decode("latin-1").split("~\n")
    out = list(segs)
    for k, (prefix, old, new) in enumerate(MUTATIONS.values()):
        hits = [i for i, s in enumerate(segs) if s.startswith(prefix)]
        for i in hits[k % 3 :: 5]:
            out[i] = out[i].replace(old, new, 1)
    yield "mutated", out
    drop = set()
    for k, prefix in enumerate(DROPS.values()):
        drop.update([i for i, s in enumerate(segs) if s.startswith(prefix)][k % 2 :: 4])
    yield "dropped", [s for i, s in enumerate(segs) if i not in drop]
    # HI over its max use; loop 2310B (NM1*82) repeated past its max count of 1
    hi = [s + ("~\n" + s) * 2 if s[:3] == "HI*" or s[:7] == "NM1*82*" else s for s in segs]
    yield "reordered", hi[:20] + hi[25:30] + hi[20:25] + hi[30:]


# The default run's fixtures: pyx12 errors of codes 1-8 and HL/LX (ims), a raw file pyx12
# refuses whole (lfh), one with findings only once normalized (oopfactory), the clean therapy
# claim. The mutated, dropped and reordered variants add the rest.
FAST_FIXTURES = {
    "ims__x12_complex.txt",
    "lfh__demo.837",
    "oopfactory__MedicaidExample.txt",
    SYNTHETIC.name,
}


def inputs(tmp_path, full: bool = True) -> list[str]:
    """Every fixture (``full``; else FAST_FIXTURES), a defective generated file and hand-made
    variants; raw and normalized (cut into chunks as validate() does)."""
    files = [f for f in x12_files() if full or f.name in FAST_FIXTURES]
    synth = tmp_path / "synth.837"
    claims, per_st, cut = (300, 120, 100) if full else (48, 20, 12)
    with open(synth, "wb") as fh:
        generate(fh, claims=claims, seed=7, claims_per_st=per_st, defect_rate=0.3, interchanges=2)
    files.append(synth)
    for name, segs in variants():
        p = tmp_path / f"{name}.837"
        p.write_bytes("~\n".join(segs).encode("latin-1"))
        files.append(p)
    paths = []
    for n, f in enumerate(files):
        paths.append(str(f))
        folder = tmp_path / f"chunks{n}"
        folder.mkdir()
        try:
            paths += [c.path for c in iter_split(str(f), str(folder), 10**9)]
            if f == synth:  # also cut into small pieces, as validate() does on large files
                paths += [c.path for c in iter_split(str(f), str(folder), cut)]
        except Exception:  # x12tool refuses some fixtures (e.g. ISA12 00402); raw run above
            pass
    return paths


@pytest.fixture
def speed_state():
    """Leave pyx12 patched or stock as the test found it."""
    was = pyx12_speed.ACTIVE
    yield
    pyx12_speed.uninstall()
    if was:
        pyx12_speed.install()


def results_identical_to_stock_pyx12(tmp_path, full: bool) -> None:
    assert pyx12.__version__ == pyx12_speed.EXPECTED_VERSION, "update pyx12_speed for this pyx12"
    paths = inputs(tmp_path, full)
    listing = tmp_path / "paths.json"
    listing.write_text(json.dumps(paths))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    stock = subprocess.Popen(  # runs on the other core meanwhile
        [sys.executable, "-c", STOCK, str(listing)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=str(ROOT),
    )
    assert pyx12_speed.install() is True
    assert pyx12.path.X12Path.__hash__ is pyx12_speed._x12path_hash
    fast = [ig.run_pyx12(p) for p in paths]
    out, _ = stock.communicate(timeout=600)
    assert stock.returncode == 0
    expected = json.loads(out)
    assert len(expected) == len(paths)
    for path, want, got in zip(paths, expected, json.loads(json.dumps(fast)), strict=True):
        assert got == want, path
    # the inputs do make pyx12 report each kind of error the replacements touch
    found = [r for rs in fast for r in rs]
    messages = " ".join(r[4] for r in found)
    assert len(found) > (10_000 if full else 900)
    for text in ("(<BEL>)", "(<SOH>)", "(<HT>)", "(<US>)", "invalid date", "Loop 2310B exceeded"):
        assert text in messages, text
    assert {"1", "3", "4", "5", "6", "7", "8", "HL1", "HL2", "LX"} <= {r[3] for r in found}


def test_results_identical_to_stock_pyx12(tmp_path, speed_state):
    """Every kind of input on a few files: the mutated, dropped and reordered variants, four
    fixtures and a small generated file cut into pieces."""
    results_identical_to_stock_pyx12(tmp_path, full=False)


@pytest.mark.slow
def test_results_identical_to_stock_pyx12_on_every_fixture(tmp_path, speed_state):
    """The same on every fixture and a 300-claim generated file (about 30 s on two cores)."""
    results_identical_to_stock_pyx12(tmp_path, full=True)


def observe(thin: int = 1) -> list:
    """What the replaced functions return, through pyx12's own API, on many inputs.

    ``thin`` > 1 takes every thin-th input of the costly parts (node counters, map nodes,
    element values): the same kinds of input, fewer of each, for the default run."""
    import pyx12.map_if
    import pyx12.nodeCounter
    import pyx12.params
    import pyx12.segment

    def outcome(f, *args):
        try:
            return f(*args)
        except Exception as exc:
            return (type(exc).__name__, str(exc))

    out = []
    root = pyx12.map_if.load_map_file("837.5010.X222.A1.xml", pyx12.params.params())
    nodes = list(root.loop_segment_iterator())
    texts = [n.get_path() for n in nodes]
    texts += [c.get_path() for n in nodes if n.is_segment() for c in n.children]
    texts += [t.lstrip("/") for t in texts[::7]] + [t + "/" for t in texts[::11]]
    texts += ["", "/", "//", "02", "02-1", "REF[6R]", "REF[6R]02-3", "A/B/SEG00-0", "[X]", "1"]
    paths = []
    for text in texts:
        p = outcome(pyx12.path.X12Path, text)
        out.append((text, outcome(repr, p), outcome(hash, p)))
        if isinstance(p, pyx12.path.X12Path):
            paths.append(p)
    odd = pyx12.path.X12Path("/A/SEG[Q]01-2")
    for attr, val in [("relative", None), ("ele_idx", 0), ("subele_idx", 0), ("id_val", "")]:
        setattr(odd, attr, val)
        out.append((repr(odd), odd.format(), hash(odd), str(odd)))

    counted = paths[::thin]
    counter = pyx12.nodeCounter.NodeCounter({p: i for i, p in enumerate(counted)})
    for p in counted[::5] + ["/ISA_LOOP/GS_LOOP", "", "/", "ISA_LOOP"]:
        c = pyx12.nodeCounter.NodeCounter(counter.getState())
        c.reset_to_node(p)
        out.append([(k.format(), v) for k, v in c.getState().items()])

    check = pyx12.validation.contains_control_character
    chars = [chr(i) for i in range(256)] + ["\u2028", "\x85"]
    out += [check(c) for c in chars] + [check(f"AB{c}CD", "E", "00501") for c in chars]
    out += [check(a + b) for a in chars[:33] for b in chars[:33]]
    out.append(outcome(check, None))

    seg = pyx12.segment.Segment("CLM*A*B:C:D*E**F", "~", "*", ":")
    for ref in ["CLM01", "01", "02", "02-1", "02-3", "02-9", "CLM02-2", "09", "NM101", "", "3"]:
        out.append((outcome(seg.get_value, ref), outcome(seg._parse_refdes, ref)))
    for ref in ["02-", "CLM[1]01", "[1]", "/A/CLM02", "/A/CLM02", "CLM1", "05-0", "CLM"]:
        out.append((outcome(seg.get_value, ref), outcome(seg._parse_refdes, ref)))
    return out + observe_map(root, nodes, outcome, thin)


ODD_SEGMENTS = [  # beside every generated and mutated segment
    "SV1",
    "SV1*",
    "SV1*:99213",
    "SV1*HC",
    "SV1*HC:99213:25:::::X*1*UN",
    "SV1*ZZ:1*1",
    "SV1*HC:1:2:3:4:5:6:7:8:9",
    "HL*1**20*1",
    "HL*1**99*1",
    "HL",
    "NM1",
    "NM1*",
    "NM1*85:X*2",
    "NM1*QQ*1",
    "DTP*472*RD8*20260101-20260105",
    "DTP*472*RD8*20260101",
    "DTP*472*D8*2026010",
    "DTP*472*TM*1260",
    "DTP*434*RD8*2026010120260105",
    "REF*G1*",
    "REF*",
    "REF*ZZ*1",
    "CLM*1*0**11:B:1*Y*A*Y*Y",
    "CLM*1*10*X*11:B*Y*A*Y*Y*P*AA:EM:OA",
    "PWK*OZ*AA*ZZ*Q",
    "N4*CITY*TX*7",
    "N4*CITY*T\x01X*77777",
    "AMT*D*1.5.5",
    "AMT*D*-1",
    "AMT*EAF*1E3",
    "QTY*PT*1.",
    "HI*ABK:J20.9*ABF:Z00",
    "HI*ABK:J209*ABF:Z0000:D8:20260101",
    "HI*ABK*ABF",
    "K3*A*B*C*D",
    "LX*A",
    "LX*1*2",
    "SBR*P*18*******MC*X",
    "ZZZ*1",
]


def sample_segments():
    """Segment texts: every generated and mutated segment, once, plus ODD_SEGMENTS."""
    texts = {}
    for _, segs in variants():
        for text in segs:
            texts.setdefault(text.strip(), None)
    texts.update(dict.fromkeys(ODD_SEGMENTS))
    return [t for t in texts if t]


def observe_map(root, nodes, outcome, thin: int = 1) -> list:
    """segment_if.is_valid_errors / is_match, element_if.is_valid_errors, loop_if.__len__ and
    walk_tree._scan_loop_at_position (through walk_errors), each called twice per input."""
    import pyx12.map_if
    import pyx12.map_walker
    import pyx12.segment

    def errs(result):
        if not isinstance(result, tuple) or not isinstance(result[-1], list):  # raised
            return result
        ok, errors = result
        return ok, [
            (e.err_cde, e.err_str, e.err_val, e.refdes, e.map_node and e.map_node.get_path())
            for e in errors
        ]

    segs = [pyx12.segment.Segment(t, "~", "*", ":") for t in sample_segments()]
    segs.append(pyx12.segment.Segment("", "~", "*", ":"))
    by_id = {}
    for seg in segs:
        by_id.setdefault(seg.seg_id, []).append(seg)
    seg_nodes = [n for n in nodes if isinstance(n, pyx12.map_if.segment_if)]
    loops = [n for n in nodes if isinstance(n, pyx12.map_if.loop_if)]
    out = [len(loop) for loop in loops] + [bool(loop) for loop in loops]
    for node in seg_nodes:
        mine = by_id.get(node.id, [])[: 50 // thin]
        for seg in mine + mine:
            out.append((node.get_path(), errs(outcome(node.is_valid_errors, seg))))
        out.append([outcome(node.is_match, seg) for seg in segs])
    values = {e.get_value() for seg in segs for c in seg.elements for e in c.elements}
    values = sorted(values) + ["", " ", "A ", "-1.5", "1-", "20260230", "2400", "12.", "\x07"]
    elements = [c for n in seg_nodes for c in n.children if isinstance(c, pyx12.map_if.element_if)]
    elements += [e for n in seg_nodes for c in n.children if c.is_composite() for e in c.children]
    for ele in elements[:: 5 * thin]:
        for val in values[:: 1 + len(values) // (50 // thin)] + values[-9:]:
            for data in (pyx12.segment.Element(val), pyx12.segment.Composite(val, ":")):
                out.append(errs(outcome(ele.is_valid_errors, data)))
                out.append(errs(outcome(ele.is_valid_errors, data, [])))
                out.append(errs(outcome(ele.is_valid_errors, data)))
        out.append(errs(outcome(ele.is_valid_errors, None)))
        out.append(errs(outcome(ele.is_valid_errors, pyx12.segment.Composite("", ":"))))
        out.append(errs(outcome(ele.is_valid_errors, pyx12.segment.Composite("A:B", ":"))))
        out.append(errs(outcome(ele.is_valid_errors, pyx12.segment.Element("1"), ["D8", "TM"])))
    starts = seg_nodes[:: 4 * thin] + loops[:: 4 * thin] + [root]
    firsts = [by_id[k][0] for k in sorted(by_id, key=str) if k] + [segs[-1]]
    for start in starts:
        walker = pyx12.map_walker.walk_tree()
        for seg in firsts:
            found = outcome(walker.walk_errors, start, seg, 3, 7, "L")
            if isinstance(found, tuple) and len(found) == 4:
                node, pops, pushes, errors = found
                found = (
                    node and node.get_path(),
                    [p.get_path() for p in pops],
                    [p.get_path() for p in pushes],
                    [
                        (e.err_cde, e.err_str, e.src_line, e.map_node and e.map_node.get_path())
                        for e in errors
                    ],
                )
            out.append((start.get_path(), found))
        out.append(sorted((k.format(), v) for k, v in walker.counter.getState().items()))
    return out


def replacements_return_what_the_originals_return(thin: int, least: int) -> None:
    pyx12_speed.uninstall()
    stock = observe(thin)
    assert pyx12_speed.install() is True
    fast = observe(thin)
    assert len(fast) == len(stock) > least
    for want, got in zip(stock, fast, strict=True):
        assert got == want


def test_replacements_return_what_the_originals_return(speed_state):
    """Every fifth input of the costly kinds (about 26,000 observations)."""
    replacements_return_what_the_originals_return(thin=5, least=20_000)


@pytest.mark.slow
def test_replacements_return_what_the_originals_return_on_every_input(speed_state):
    """Every input (about 240,000 observations; close to a minute)."""
    replacements_return_what_the_originals_return(thin=1, least=200_000)


def test_install_is_idempotent(speed_state):
    pyx12_speed.uninstall()
    stock_repr = pyx12.path.X12Path.__repr__
    assert pyx12_speed.install() is True
    patched = dict(vars(pyx12.path.X12Path))
    assert pyx12_speed.install() is True
    assert dict(vars(pyx12.path.X12Path)) == patched
    assert len(pyx12_speed._ORIGINALS) == 12
    pyx12_speed.uninstall()
    assert pyx12.path.X12Path.__repr__ is stock_repr


def test_other_pyx12_versions_run_stock(monkeypatch, speed_state):
    pyx12_speed.uninstall()
    stock = dict(vars(pyx12.path.X12Path)), pyx12.validation.contains_control_character
    monkeypatch.setattr(pyx12, "__version__", "4.0.1")
    assert pyx12_speed.install() is False
    assert pyx12_speed.ACTIVE is False
    assert pyx12_speed.install() is False
    assert (dict(vars(pyx12.path.X12Path)), pyx12.validation.contains_control_character) == stock
    assert ig.run_pyx12(str(SYNTHETIC)) == []  # calls install(), still stock
    assert pyx12.path.X12Path.__hash__.__module__ == "pyx12.path"
