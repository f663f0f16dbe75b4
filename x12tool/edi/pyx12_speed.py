"""Faster drop-in replacements for a few pure, hot functions of pyx12 4.0.0.

``install()`` swaps them in; each returns exactly what the pyx12 4.0.0 original returns (or raises
what it raises), only faster. Anything but pyx12 4.0.0 runs stock: the replacements were checked
against that version's source only. ``tests/test_pyx12_speed.py`` compares ``run_pyx12`` output
with and without them. Nothing is cached on X12Path objects: pyx12 mutates some of them
(``del x12path.loop_list[0]`` in map_if/_loop.py and _root.py, assignments in x12context.py).
"""

from __future__ import annotations

import re

EXPECTED_VERSION = "4.0.0"
ACTIVE: bool | None = None  # None: install() not called; False: other pyx12 version, left stock
_ORIGINALS: list[tuple[object, str, object]] = []


def _x12path_repr(self) -> str:
    # Replaces X12Path.__repr__ (and .format, which returns self.__repr__()). Same string: "/"
    # when not self.relative, the loops joined by "/", a "/" before the segment id unless the
    # string is still "" or "/", then format_refdes() inlined (seg id, "[id_val]", "%02i" ele_idx,
    # "-%i" subele_idx, with the same truthiness tests and % formatting). One call, not three.
    ret = "/".join(self.loop_list) if self.relative else "/" + "/".join(self.loop_list)
    seg_id = self.seg_id
    if seg_id:
        if ret != "" and ret != "/":
            ret += "/"
        ret += seg_id
        if self.id_val:
            ret += "[%s]" % self.id_val  # noqa: UP031 (the original's formatting, kept)
    if self.ele_idx:
        ret += "%02i" % self.ele_idx  # noqa: UP031
        if self.subele_idx:
            ret += "-%i" % self.subele_idx  # noqa: UP031
    return ret


def _x12path_hash(self) -> int:
    # Replaces X12Path.__hash__ (self.__repr__().__hash__()): the same string, hashed.
    return hash(_x12path_repr(self))


def _reset_to_node(self, xpath) -> None:
    # Replaces NodeCounter.reset_to_node. The original deletes every key k for which
    # parent.is_child_path(k.format()) holds: with r = parent.format().split("/") and
    # c = k.format().split("/"), len(c) > len(r) and c[:len(r)] == r. That holds exactly when
    # k.format() starts with parent.format() + "/" (the "/" after the prefix is the extra split).
    # Keys are walked with dict.__iter__ rather than OrderedDict's iterator, which re-hashes
    # (so re-formats) every key it yields; the walk order may differ only if someone called
    # move_to_end, and it does not matter here: the same set of keys is deleted either way.
    prefix = self.makeX12Path(xpath).format() + "/"  # a staticmethod; no subclasses in pyx12
    d = self._dict
    for k in [k for k in dict.__iter__(d) if k.format().startswith(prefix)]:
        del d[k]


_CONTROL = re.compile(r"[\x01-\x07\x09-\x0d\x11-\x17\x1c-\x1f]")
# control_base in its dict order, then extended_base in its dict order
_CONTROL_CHARS = (
    "\x07\x09\x0a\x0b\x0c\x0d\x1c\x1d\x1e\x1f\x01\x02\x03\x04\x05\x06\x11\x12\x13\x14\x15\x16\x17"
)
_CONTROL_NAMES = (
    "BEL HT LF VT FF CR FS GS RS US SOH STX ETX EOT ENQ ACK DC1 DC2 DC3 DC4 NAK SYN ETB"
)
_CONTROL_ORDER = tuple(
    (ch, f"<{n}>") for ch, n in zip(_CONTROL_CHARS, _CONTROL_NAMES.split(), strict=True)
)


def _contains_control_character(str_val, charset="B", icvn="00401"):
    # Replaces validation.contains_control_character, which builds two dicts per call and
    # returns the first of their characters (control_base order, then extended_base order) found
    # in str_val. _CONTROL matches exactly that set of 23 characters, so a string it does not
    # match gives (False, None) at once; otherwise the same ordered scan runs on the same table.
    # charset and icvn are unused in the original too.
    if type(str_val) is str and _CONTROL.search(str_val) is None:
        return (False, None)
    for ch, name in _CONTROL_ORDER:
        if ch in str_val:
            return (True, name)
    return (False, None)


_REFDES: dict[str, tuple] = {}


def _make_parse_refdes(x12path_mod, engine_error):
    def _parse_refdes(self, ref_des):
        # Replaces Segment._parse_refdes. The original parses ref_des with X12Path (a pure
        # function of the string) on every call and reads seg_id, ele_idx and subele_idx; these
        # three are memoized per string (parse errors propagate and are not cached). The seg_id
        # check, its error message and the 0-based result are the original's.
        hit = _REFDES.get(ref_des) if type(ref_des) is str else None
        if hit is None:
            xp = x12path_mod.X12Path(ref_des)
            hit = (xp.seg_id, xp.ele_idx, xp.subele_idx)
            if type(ref_des) is str and len(_REFDES) < 4096:
                _REFDES[ref_des] = hit
        seg_id, ele_idx, subele_idx = hit
        if seg_id is not None and seg_id != self.seg_id:
            err_str = "Invalid Reference Designator: %s, seg_id: %s"  # the original's message
            raise engine_error(err_str % (ref_des, self.seg_id))
        ele_idx = ele_idx - 1 if ele_idx is not None else None
        comp_idx = subele_idx - 1 if subele_idx is not None else None
        return (ele_idx, comp_idx)

    return _parse_refdes


def install() -> bool:
    """Swap the replacements in (once); True when they are active."""
    global ACTIVE
    if ACTIVE is not None:
        return ACTIVE
    import pyx12

    if getattr(pyx12, "__version__", None) != EXPECTED_VERSION:
        ACTIVE = False
        return False
    import pyx12.errors
    import pyx12.nodeCounter
    import pyx12.path
    import pyx12.segment
    import pyx12.validation

    X12Path = pyx12.path.X12Path
    patches = [
        (X12Path, "__repr__", _x12path_repr),
        (X12Path, "format", _x12path_repr),
        (X12Path, "__hash__", _x12path_hash),
        (pyx12.nodeCounter.NodeCounter, "reset_to_node", _reset_to_node),
        (pyx12.validation, "contains_control_character", _contains_control_character),
        (
            pyx12.segment.Segment,
            "_parse_refdes",
            _make_parse_refdes(pyx12.path, pyx12.errors.EngineError),
        ),
    ]
    for owner, name, new in patches:
        _ORIGINALS.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, new)
    ACTIVE = True
    return True


def uninstall() -> None:
    """Put pyx12's originals back (for tests)."""
    global ACTIVE
    while _ORIGINALS:
        owner, name, old = _ORIGINALS.pop()
        setattr(owner, name, old)
    ACTIVE = None
