"""Faster drop-in replacements for a few pure, hot functions of pyx12 4.0.0.

``install()`` swaps them in; each returns exactly what the pyx12 4.0.0 original returns (or raises
what it raises), only faster. Anything but pyx12 4.0.0 runs stock: the replacements were checked
against that version's source only. ``tests/edi/test_pyx12_speed.py`` compares ``run_pyx12`` output
with and without them. Nothing is cached on X12Path objects: pyx12 mutates some of them
(``del x12path.loop_list[0]`` in map_if/_loop.py and _root.py, assignments in x12context.py);
map nodes, which pyx12 never changes after loading, carry ``_x12s_*`` caches (see below).
``load_map_file`` hands out copies of a map built once (``pyx12_maps``).
"""

from __future__ import annotations

import re
import sys

from x12tool.edi.pyx12_maps import make_load_map_file

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


# Map nodes (pyx12.map_if) are loaded fresh per run and never changed after load_map_file: the
# children of segment_if/composite_if and the pos_map of loop_if/map_if are filled only in their
# own __init__, and nothing in pyx12 assigns a node's id, usage, seq, data_ele or valid codes later
# (only the lazy _fullpath/_x12path caches). What follows from a node alone is therefore computed
# once, at validation time, and kept in the node's __dict__ under an "_x12s_" name.


def _child_table(seg) -> list:
    # Per index i < len(seg.children): (child, is composite_if, is element_if) when exactly one
    # child has seq == i + 1, the one segment_if.get_child_node_by_idx(i) returns (it filters
    # the children on every call); else None (it raises EngineError).
    table = seg.__dict__.get("_x12s_table")
    if table is None:
        from pyx12.map_if import composite_if, element_if

        table = []
        for i in range(len(seg.children)):
            m = [c for c in seg.children if c.seq == i + 1]
            c = m[0] if len(m) == 1 else None
            table.append(
                None if c is None else (c, isinstance(c, composite_if), isinstance(c, element_if))
            )
        seg._x12s_table = table
    return table


def _element_value(elem):
    # The value element_if.is_valid_errors validates, or _NO when it is not a plain value: a
    # one-element Composite or an Element (both truthy, not is_composite(): get_value() is
    # elements[0].value / value); None and "" both take the original's "empty" branch.
    t = type(elem)
    if t is _COMPOSITE and len(elem.elements) == 1:
        return elem.elements[0].value
    if t is _ELEMENT:
        return elem.value
    return "" if elem is None else _NO


_NO = object()
_COMPOSITE = _ELEMENT = _SEGMENT = None  # pyx12.segment.Composite/Element/Segment, see install()


def _make_element_is_valid_errors(original):
    def is_valid_errors(self, elem, type_list=None):
        # Replaces element_if.is_valid_errors. Without a type_list (None and [] act alike in the
        # original), its result depends only on the node and the value: length, control
        # characters, trailing spaces, valid codes (the map's ExternalCodes, loaded once), data
        # type (IsValidDataType, pure; charset from the run's params, which pyx12 never sets
        # during a run), the regex, or the node's usage when empty. Values that gave (True, [])
        # are remembered per node (at most 2,048) and answered (True, []) again.
        val = _NO if type_list else _element_value(elem)
        if val is _NO:
            return original(self, elem, type_list)
        ok_values = self.__dict__.get("_x12s_ok")
        if ok_values is None:
            ok_values = self._x12s_ok = set()
        elif val in ok_values:
            return True, []
        ok, errors = original(self, elem, type_list)
        if ok is True and not errors and len(ok_values) < 2048:
            ok_values.add(val)
        return ok, errors

    return is_valid_errors


def _make_segment_is_valid_errors(original, segment_cls, ele_error_cls, syntax_valid):
    def is_valid_errors(self, seg_data):
        # Replaces segment_if.is_valid_errors; the same steps in the same order, except that
        # get_child_node_by_idx(i) and the isinstance tests come from the node's table, and
        # seg_data.get("%02i" % (i + 1)) for i < len(seg_data) is seg_data.elements[i] (the
        # original's parse of "01".."99" gives index i, in range). Element values already known
        # valid for a node skip the call (see _make_element_is_valid_errors). Other inputs
        # (not a Segment, a bad child table, 100+ children) run the original.
        table = _child_table(self)
        child_count = len(self.children)  # get_child_count(); segment_if does not override it
        if type(seg_data) is not segment_cls or child_count > 99 or None in table:
            return original(self, seg_data)
        valid = True
        errors = []
        elements = seg_data.elements
        n = len(elements)
        seg_id = seg_data.seg_id
        if n > child_count:
            err_str = 'Too many elements in segment "%s" (%s). Has %i, should have %i'
            err_str %= (self.name, seg_id, n, child_count)
            ref_des = "%02i" % (child_count + 1)  # noqa: UP031
            err_value = seg_data.get_value(ref_des)
            errors.append(
                ele_error_cls(err_cde="3", err_str=err_str, err_val=err_value, refdes=ref_des)
            )
            valid = False
        dtype = []
        type_list = []
        for i in range(min(n, child_count)):
            child_node, is_comp, is_elem = table[i]
            if is_comp:
                ok, comp_errors = original_composite_step(self, seg_data, child_node, i, errors)
                valid &= ok
                errors += comp_errors
            elif is_elem:
                if (
                    i == 1
                    and seg_id == "DTP"
                    and seg_data.get_value("02") in ("RD8", "D8", "D6", "DT", "TM")
                ):
                    dtype = [seg_data.get_value("02")]
                if child_node.data_ele == "1250":
                    type_list.extend(child_node.valid_codes)
                ele_data = elements[i]
                if i == 2 and seg_id == "DTP":
                    ok, ele_errors = child_node.is_valid_errors(ele_data, dtype)
                elif child_node.data_ele == "1251" and len(type_list) > 0:
                    ok, ele_errors = child_node.is_valid_errors(ele_data, type_list)
                else:
                    known = child_node.__dict__.get("_x12s_ok")
                    if known and _element_value(ele_data) in known:
                        continue  # (True, []): valid &= True and errors += [] change nothing
                    ok, ele_errors = child_node.is_valid_errors(ele_data)
                valid &= ok
                errors += ele_errors
        for i in range(min(n, child_count), child_count):
            child_node, is_comp, is_elem = table[i]
            if is_comp or is_elem:
                ok, child_errors = child_node.is_valid_errors(None)
                valid &= ok
                errors += child_errors
        for syn in self.syntax:
            bResult, syn_err = syntax_valid(seg_data, syn)
            if not bResult:
                assert syn_err is not None
                code = "10" if syn[0] == "E" else "2"
                errors.append(ele_error_cls(err_cde=code, err_str=syn_err, refdes=syn[1]))
                valid = False
        return valid, errors

    def original_composite_step(self, seg_data, child_node, i, errors):
        # The original's composite branch, verbatim (composites are few).
        ref_des = "%02i" % (i + 1)  # noqa: UP031
        comp_data = seg_data.get(ref_des)
        assert comp_data is None or isinstance(comp_data, _COMPOSITE)
        subele_count = child_node.get_child_count()
        if seg_data.ele_len(ref_des) > subele_count and child_node.usage != "N":
            subele_node = child_node.children[subele_count + 1]
            err_str = 'Too many sub-elements in composite "%s" (%s)'
            err_str %= (subele_node.name, subele_node.refdes)
            err_value = seg_data.get_value(ref_des)
            errors.append(
                ele_error_cls(err_cde="3", err_str=err_str, err_val=err_value, refdes=ref_des)
            )
        return child_node.is_valid_errors(comp_data)

    return is_valid_errors


def _make_segment_is_match(original, segment_cls):
    def is_match(self, seg):
        # Replaces segment_if.is_match. A Segment whose seg_id is not self.id gives False at once,
        # as in the original. Otherwise the original's _resolve_unique_key_field(self.id,
        # with_qual=False) depends on the node alone, so it is found once per node; then the same
        # "seg.get_value(path) in child._valid_codes_set", with get_value inlined for the usual
        # Composite/Element objects: None past the last element (or sub-element), else the
        # Composite's format(), which for one Element is its value (a one-item join), or the
        # sub-element's value (Element.format). Anything else calls seg.get_value(path).
        if type(seg) is not segment_cls:
            return original(self, seg)
        if seg.seg_id != self.id:
            return False
        key = self.__dict__.get("_x12s_key", _NO)
        if key is _NO:
            found = self._resolve_unique_key_field(self.id, with_qual=False)
            if found is not None:
                child, ele_idx, subele_idx = found
                path = f"{ele_idx:02d}-{subele_idx}" if subele_idx else f"{ele_idx:02d}"
                sub = subele_idx - 1 if subele_idx else None  # as the path: no "-" for 0
                found = (child._valid_codes_set, path, ele_idx - 1, sub)
            key = self._x12s_key = found
        if key is None:
            return True
        codes, path, idx, sub = key
        elements = seg.elements
        if idx >= len(elements):
            return None in codes
        comp = elements[idx]
        if type(comp) is not _COMPOSITE:
            return seg.get_value(path) in codes
        subs = comp.elements
        if sub is None:
            if len(subs) != 1 or comp.subele_term is None:
                return comp.format() in codes
            ele = subs[0]
        elif sub >= len(subs):
            return None in codes
        else:
            ele = subs[sub]
        if type(ele) is _ELEMENT and type(ele.value) is str:
            return ele.value in codes
        return seg.get_value(path) in codes

    return is_match


def _skip_id(child):
    # For a loop child that is not mandatory and starts with a segment: that segment's id.
    if not child.is_loop() or child.usage == "R" or len(child) <= 0:
        return None
    first = child.get_first_node()
    return first.id if first is not None and not first.is_loop() and first.is_segment() else None


def _positions(node) -> tuple:
    # Per node: for sorted(node.pos_map), (ord, ((child, child.is_segment(), child.is_loop(),
    # _skip_id(child)), ...)).
    order = node.__dict__.get("_x12s_order")
    if order is None:
        order = tuple(
            (o, tuple((c, c.is_segment(), c.is_loop(), _skip_id(c)) for c in node.pos_map[o]))
            for o in sorted(node.pos_map)
        )
        node._x12s_order = order
    return order


def _loop_len(self) -> int:
    # Replaces loop_if.__len__: the sum of the pos_map lists' lengths, without sorting the keys
    # first (the order of a sum of ints does not change it).
    return sum(map(len, self.pos_map.values()))


def _scan_loop_at_position(
    self, node, node_pos, seg_data, orig_node, seg_count, cur_line, ls_id, pop_node_list
):
    # Replaces walk_tree._scan_loop_at_position: the same children in the same order (sorted
    # positions >= node_pos, from the node's table), the same calls, except that a segment child
    # that is not mandatory and does not match is skipped: for it _try_match_segment_child only
    # calls child.is_match (pure) and returns None, recording nothing. Likewise a loop child with
    # a skip id (_skip_id) when seg_data is a Segment with another seg_id: _try_match_loop_child
    # returns None as _is_loop_match returns False (not empty, first node a segment, whose
    # is_match is False for another seg_id) after _record_loop_missing_if_required, which does
    # nothing for a loop that is not mandatory.
    is_seg_data = type(seg_data) is _SEGMENT
    seg_id = seg_data.seg_id if is_seg_data else None
    for ord1, children in _positions(node):
        if ord1 < node_pos:
            continue
        for child, is_seg, is_loop, skip_id in children:
            if is_seg:
                if child.usage != "R" and not child.is_match(seg_data):
                    continue
                result = self._try_match_segment_child(
                    node, child, seg_data, orig_node, seg_count, cur_line, ls_id, pop_node_list
                )
                if result is not None:
                    return result
            elif is_loop:
                if skip_id is not None and seg_id != skip_id and is_seg_data:
                    continue
                result = self._try_match_loop_child(
                    child, seg_data, seg_count, cur_line, ls_id, pop_node_list
                )
                if result is not None:
                    return result
    return None


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
    import pyx12.map_if
    import pyx12.map_walker
    import pyx12.nodeCounter
    import pyx12.path
    import pyx12.segment
    import pyx12.validation

    global _COMPOSITE, _ELEMENT, _SEGMENT
    _COMPOSITE, _ELEMENT = pyx12.segment.Composite, pyx12.segment.Element
    _SEGMENT = pyx12.segment.Segment
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
    seg_if, ele_if, loop_if = pyx12.map_if.segment_if, pyx12.map_if.element_if, pyx12.map_if.loop_if
    Segment = pyx12.segment.Segment
    seg_mod = sys.modules[seg_if.__module__]  # the EleError and is_syntax_valid it uses
    patches += [
        (ele_if, "is_valid_errors", _make_element_is_valid_errors(ele_if.is_valid_errors)),
        (
            seg_if,
            "is_valid_errors",
            _make_segment_is_valid_errors(
                seg_if.is_valid_errors,
                Segment,
                seg_mod.EleError,
                seg_mod.is_syntax_valid,
            ),
        ),
        (seg_if, "is_match", _make_segment_is_match(seg_if.is_match, Segment)),
        (loop_if, "__len__", _loop_len),
        (pyx12.map_walker.walk_tree, "_scan_loop_at_position", _scan_loop_at_position),
        # a copy of the map built once (pyx12_maps), not a new build from the XML every call
        (pyx12.map_if, "load_map_file", make_load_map_file(pyx12.map_if.load_map_file)),
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
