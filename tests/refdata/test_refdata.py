"""Tests of the reference data in maps/ and its loader x12tool.refdata."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from x12tool.refdata import MapError, load_refdata, maps_dir
from x12tool.refdata.xmlload import load_document, make_parser, parse_bytes

MAPS = [
    "codes",
    "thresholds",
    "payers",
    "taxonomy",
    "profiles",
    "pfs",
    "ncci",
    "claim_status",
    "carc",
]
# Elements that are containers, not values: they need no source/confidence of their own.
CONTAINERS = {
    "codes",
    "thresholds",
    "payers",
    "taxonomy",
    "profiles",
    "pfs",
    "ncci",
    "code",
    "claim_status",
    "carc",
}


@pytest.fixture(scope="module")
def ref():
    return load_refdata()


def _write(tmp_path: Path, text: str, name: str = "user.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- files and provenance


@pytest.mark.parametrize("stem", MAPS)
def test_every_map_validates(stem):
    root = load_document(maps_dir() / f"{stem}.xml", f"{stem}.xsd")
    assert root.tag == stem


@pytest.mark.parametrize("stem", MAPS)
def test_every_value_has_source_and_confidence(stem):
    root = load_document(maps_dir() / f"{stem}.xml", f"{stem}.xsd")
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in CONTAINERS:
            continue
        parent = el.getparent()
        # members of a list (e.g. <bypass_modifiers><modifier value="59"/>) inherit from the list
        if set(el.attrib) == {"value"} and parent.get("source"):
            continue
        where = f"{stem}.xml:{el.sourceline} <{el.tag}>"
        assert el.get("source"), f"{where} has no source"
        assert el.get("confidence") in {"H", "M", "L", "X"}, f"{where} has no confidence"


@pytest.mark.parametrize("stem", MAPS)
def test_low_confidence_values_are_not_enabled(stem):
    root = load_document(maps_dir() / f"{stem}.xml", f"{stem}.xsd")
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get("confidence") not in {"L", "X"}:
            continue
        is_unknown_marker = el.tag == "timed" and el.get("value") == "unknown"
        assert is_unknown_marker or el.get("enabled") == "false", (
            f"{stem}.xml:{el.sourceline} <{el.tag}> is [{el.get('confidence')}] but enabled"
        )


def test_no_cpt_descriptors_in_pfs():
    text = (maps_dir() / "pfs.xml").read_text(encoding="utf-8")
    assert "description" not in text.lower()
    # short descriptors of the RVU file, e.g. 97530's
    assert "Therapeutic activities" not in text


def test_bad_file_names_file_and_line(tmp_path):
    bad = _write(
        tmp_path,
        '<?xml version="1.0"?>\n<profiles schema_version="1">\n'
        '  <profile name="x"><unit_method value="sometimes"/></profile>\n</profiles>\n',
    )
    with pytest.raises(MapError) as exc:
        load_refdata(bad)
    assert str(bad) in str(exc.value) and ":3:" in str(exc.value)
    assert exc.value.line == 3


def test_not_well_formed_names_line(tmp_path):
    bad = _write(tmp_path, '<?xml version="1.0"?>\n<profiles schema_version="1">\n<profile>\n')
    with pytest.raises(MapError, match=r"user\.xml:\d+: not well-formed"):
        load_refdata(bad)


# --------------------------------------------------------------------------- XXE / entity expansion

SECRET = "TOP-SECRET-MARKER-5c1d"


class _RecordingResolver(etree.Resolver):
    def __init__(self):
        super().__init__()
        self.calls = []

    def resolve(self, url, pubid, context):
        self.calls.append(url)
        return None


def _xxe(secret: Path) -> str:
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE profiles [ <!ENTITY xxe SYSTEM "file://{secret}"> ]>\n'
        '<profiles schema_version="1"><profile name="x"/>&xxe;</profiles>\n'
    )


LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE profiles [\n <!ENTITY a "lollollollollollollollollollol">\n'
    + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
    + ']>\n<profiles schema_version="1"><profile name="x"/>&i;</profiles>\n'
)


def test_external_entity_is_not_read(tmp_path):
    secret = _write(tmp_path, SECRET, "secret.txt")
    payload = _xxe(secret).encode()
    parser = make_parser()
    resolver = _RecordingResolver()
    parser.resolvers.add(resolver)
    root = etree.fromstring(payload, parser)
    assert SECRET not in etree.tostring(root, encoding="unicode")
    assert resolver.calls == []  # nothing was even asked for
    with pytest.raises(MapError, match="DOCTYPE"):
        parse_bytes(payload, "xxe.xml")
    with pytest.raises(MapError) as exc:
        load_refdata(_write(tmp_path, _xxe(secret)))
    assert SECRET not in str(exc.value)
    assert "DOCTYPE" in str(exc.value) and ":2:" in str(exc.value)


def test_billion_laughs_is_not_expanded(tmp_path):
    # libxml2 either refuses the amplification outright or, with resolve_entities=False, keeps the
    # reference unexpanded; both are fine, expansion is not.
    try:
        root = etree.fromstring(LAUGHS.encode(), make_parser())
    except etree.XMLSyntaxError as exc:
        assert "lollol" not in str(exc)
    else:
        assert "lollol" not in etree.tostring(root, encoding="unicode").split("]>")[-1]
    with pytest.raises(MapError) as exc:
        load_refdata(_write(tmp_path, LAUGHS))
    assert "lollol" not in str(exc.value)
    assert "user.xml:" in str(exc.value)


# --------------------------------------------------------------------------- codes


def test_97530(ref):
    info = ref.code("97530")
    assert info.timed and info.always_therapy and info.unit_minutes == 15
    assert info.discipline is None
    assert ref.is_timed("97530") and ref.is_always_therapy("97530")
    rvu = ref.rvu("97530")
    assert (rvu.work, rvu.pe_nonfacility, rvu.pe_facility, rvu.mp) == (
        Decimal("0.44"),
        Decimal("0.60"),
        Decimal("0.60"),
        Decimal("0.01"),
    )
    assert (rvu.status, rvu.mult_proc, rvu.pctc, rvu.year) == ("A", "5", "7", 2026)
    assert "PPRRVU2026_Jul_nonQPP.csv" in rvu.source


def test_discipline_locks(ref):
    assert ref.code("97161").discipline == "PT"
    assert ref.code("97164").discipline == "PT"
    assert ref.code("97165").discipline == "OT"
    assert ref.code("92521").discipline == "SLP"
    assert ref.code("97161").confidence in {"H", "M"}


def test_untimed_bundled_and_replaced(ref):
    assert not ref.is_timed("97161") and not ref.is_timed("97150")
    assert ref.code("97010").bundled and ref.code("97010").medicare_status == "B"
    assert ref.code("97014").medicare_status == "I" and ref.code("97014").replacement == "G0283"
    assert not ref.is_always_therapy("97129") and ref.is_timed("97129")
    assert ref.code("99999") is None and not ref.is_timed("99999")


def test_modifiers(ref):
    assert ref.therapy_modifiers == {"GP": "PT", "GO": "OT", "GN": "SLP"}
    assert ref.assistant_modifiers == {"CQ": "GP", "CO": "GO"}
    assert ref.bypass_modifiers == frozenset({"59", "XE", "XS", "XP", "XU"})
    cq = ref.modifier("CQ")
    assert cq.effective == date(2020, 1, 1) and cq.payment_percent == 85
    assert cq.payment_effective == date(2022, 1, 1)
    assert ref.modifier("KX").kind == "threshold"


# --------------------------------------------------------------------------- thresholds, PFS


def test_kx_thresholds(ref):
    t = ref.kx_threshold(2026)
    assert (t.pt_slp, t.ot, t.review) == (Decimal(2480), Decimal(2480), Decimal(3000))
    assert ref.kx_threshold(2022).pt_slp == Decimal(2150)
    assert ref.kx_threshold(2019) is None


def test_conversion_factors(ref):
    assert ref.conversion_factor(2026) == Decimal("33.4009")
    assert ref.conversion_factor(2026, qualifying_apm=True) == Decimal("33.5675")
    assert ref.conversion_factor(2025) == ref.conversion_factor(2025, True) == Decimal("32.3465")
    assert ref.conversion_factor(2020) is None


def test_pfs_covers_codes(ref):
    for code in ref.codes:
        assert ref.rvu(code) is not None, code
    assert ref.rvu("97014").status == "I"


# --------------------------------------------------------------------------- payers, taxonomy


def test_payer_class(ref):
    assert ref.payer_class("MB") == "medicare_b"
    assert ref.payer_class("MA") == "medicare_a"
    assert ref.payer_class("16") == "medicare_advantage"
    assert ref.payer_class("ci") == "commercial"
    assert ref.payer_class("CH") == "tricare"
    assert ref.payer_class(None) == ref.payer_class("") == ref.payer_class("QQ") == "other"


def test_taxonomy(ref):
    assert ref.taxonomy_discipline("225100000X") == ("PT", False)
    assert ref.taxonomy_discipline("2251X0800X") == ("PT", False)
    assert ref.taxonomy_discipline("225200000X") == ("PT", True)
    assert ref.taxonomy_discipline("225X00000X") == ("OT", False)
    assert ref.taxonomy_discipline("224Z00000X") == ("OT", True)
    assert ref.taxonomy_discipline("235Z00000X") == ("SLP", False)
    assert ref.taxonomy_discipline("225500000X") == (None, False)
    assert ref.taxonomy_discipline(None) == (None, False)


# --------------------------------------------------------------------------- profiles


def test_profile_inheritance(ref):
    mb = ref.profile_for("medicare_b", None)
    assert mb.name == "medicare_b" and mb.chain == ("medicare_b", "default")
    assert mb.unit_method == "cms" and mb.require_therapy_modifiers and mb.kx_applies
    assert mb.cq_co_applies and mb.bypass_modifiers == ref.bypass_modifiers  # inherited
    default = ref.profile_for("workers_comp", None)
    assert default.name == "default" and default.unit_method == "ama" and not default.kx_applies
    assert ref.profile_for("medicaid", None).unit_method == "cms"
    assert not ref.profile_for("medicaid", None).require_therapy_modifiers
    assert ref.profile_for("commercial", None).unit_method == "ama"
    assert ref.profile_for("medicare_advantage", None).unit_method == "cms"
    assert hash(mb)  # frozen and hashable


USER = """<?xml version="1.0" encoding="UTF-8"?>
<profiles schema_version="1">
  <profile name="acme_commercial" extends="commercial">
    <match payer_id="ACME1"/>
    <unit_method value="cms"/>
    <enable_pair id="commercial-97140-97530-no-bypass"/>
    <severity rule="SVC001" level="warning"/>
  </profile>
  <profile name="medicare_advantage">
    <match payer_id="MA123"/>
    <require_therapy_modifiers value="true"/>
  </profile>
  <profile name="strict_mb" extends="medicare_b">
    <match payer_id="MB999"/>
    <enable_pair id="ncci-97530-97116"/>
  </profile>
</profiles>
"""


def test_user_profile_file_overrides_for_one_payer_id(tmp_path):
    ref = load_refdata(_write(tmp_path, USER))
    acme = ref.profile_for("commercial", "acme1 ")
    assert acme.name == "acme_commercial" and acme.unit_method == "cms"
    assert acme.severity_for("SVC001") == "warning" and acme.severity_map["SVC001"] == "warning"
    assert ref.profile_for("commercial", "OTHER").unit_method == "ama"  # class match unchanged
    # a payer-id match beats the class given
    assert ref.profile_for("medicare_b", "ACME1").name == "acme_commercial"
    # the same-named overlay keeps shipped settings and adds the payer id
    ma = ref.profile_for("commercial", "MA123")
    assert ma.name == "medicare_advantage" and ma.unit_method == "cms"
    assert ma.require_therapy_modifiers
    assert ref.profile_for("medicare_advantage", None).name == "medicare_advantage"
    # the cached default data is untouched
    assert load_refdata().profile_for("commercial", "ACME1").name == "commercial"


def test_profile_cycle_is_an_error(tmp_path):
    text = (
        '<profiles schema_version="1">\n'
        '  <profile name="a" extends="b"/>\n  <profile name="b" extends="a"/>\n</profiles>\n'
    )
    with pytest.raises(MapError, match="cycle"):
        load_refdata(_write(tmp_path, text))


@pytest.mark.parametrize(
    "body, message",
    [
        ('<profile name="a" extends="nope"/>', "unknown profile"),
        ('<profile name="a"><enable_pair id="no-such-pair"/></profile>', "names no NCCI pair"),
        ('<profile name="a"><match class="martian"/></profile>', "unknown payer class"),
        ('<profile name="a"><match/></profile>', "exactly one of"),
        (
            '<profile name="a"><kx_applies value="true"/><kx_applies value="false"/></profile>',
            "more than once",
        ),
        (
            '<profile name="a"><match payer_id="X"/></profile>'
            '<profile name="b"><match payer_id="X"/></profile>',
            "matched by both",
        ),
    ],
)
def test_bad_user_profiles(tmp_path, body, message):
    path = _write(tmp_path, f'<profiles schema_version="1">\n{body}\n</profiles>\n')
    with pytest.raises(MapError, match=message) as exc:
        load_refdata(path)
    assert str(path) in str(exc.value)


# --------------------------------------------------------------------------- NCCI


def test_ncci_97140_97530_enabled(ref):
    pairs = {(p.column1, p.column2): p for p in ref.ncci_pairs()}
    pair = pairs[("97140", "97530")]
    assert pair.indicator == "1" and pair.enabled and pair.confidence == "M"
    assert pair.active_on(date(2026, 3, 1))


def test_low_confidence_pairs_disabled_by_default(ref):
    ids = {p.id for p in ref.ncci_pairs(ref.profile("medicare_b"))}
    assert "ncci-97530-97116" not in ids and "ncci-97530-97535" not in ids
    assert "ncci-97530-97164" not in ids  # M but column order unconfirmed
    for p in ref.ncci_pairs():
        assert p.confidence in {"H", "M"}


def test_profile_enables_pairs(tmp_path):
    ref = load_refdata(_write(tmp_path, USER))
    strict = {p.id: p for p in ref.ncci_pairs(ref.profile_for("medicare_b", "MB999"))}
    assert strict["ncci-97530-97116"].enabled
    acme = ref.ncci_pairs(ref.profile_for("commercial", "ACME1"))
    by_cols = {(p.column1, p.column2): p for p in acme}
    # the payer-specific no-bypass pair replaces the curated indicator-1 pair
    assert by_cols[("97140", "97530")].indicator == "0"
    assert by_cols[("97140", "97530")].id == "commercial-97140-97530-no-bypass"


def test_ncci_medicare_false_drops_curated_pairs(tmp_path):
    text = (
        '<profiles schema_version="1"><profile name="nopairs">'
        '<match payer_id="N1"/><ncci_medicare value="false"/></profile></profiles>'
    )
    ref = load_refdata(_write(tmp_path, text))
    assert ref.ncci_pairs(ref.profile_for("other", "N1")) == []


def test_active_on_dates():
    from x12tool.refdata import NcciPair

    p = NcciPair("x", "1", "2", "1", date(2020, 1, 1), date(2020, 4, 1), "s", "H", True)
    assert not p.active_on(date(2019, 12, 31))
    assert p.active_on(date(2020, 1, 1))
    assert not p.active_on(date(2020, 4, 1))


# --------------------------------------------------------------------------- carc.xml

# The codes the denials reports lean on (the worked example, DEN001, therapy denials).
SHIPPED_CARCS = (
    "1 2 3 4 5 11 16 18 22 23 27 29 31 45 50 96 97 109 119 151 167 197 198 204 226 234 236 242 253"
).split()
SHIPPED_RARCS = "M15 N130 MA130 N122 M80 N640 N362 N657 N115".split()


def test_every_code_in_carc_xml_loads_with_its_label():
    from x12tool.refdata import UNKNOWN_CODE, load_reason_codes

    reasons = load_reason_codes()
    root = load_document(maps_dir() / "carc.xml", "carc.xsd")
    lookups = {"group": reasons.group, "reason": reasons.carc, "remark": reasons.rarc}
    seen = 0
    for el in root:
        if not isinstance(el.tag, str):
            continue
        label = lookups[el.tag](el.get("code"))
        assert label == el.get("label") != UNKNOWN_CODE, el.get("code")
        # short labels in our own words, never the lists' sentences
        assert len(label.split()) <= 12 and "." not in label, label
        assert el.get("source").split()[0] in {"ECL139", "ECL411", "E1033"}
        seen += 1
    assert seen == len(reasons.groups) + len(reasons.carcs) + len(reasons.rarcs)
    assert set(SHIPPED_CARCS) <= set(reasons.carcs)
    assert set(SHIPPED_RARCS) <= set(reasons.rarcs)
    assert set(reasons.groups) >= {"CO", "PR", "OA", "PI", "CR"}
    assert reasons.as_of == date(2026, 12, 2)
    header = (maps_dir() / "carc.xml").read_text(encoding="utf-8").split("-->")[0]
    assert "ECL 139" in header and "ECL 411" in header and "paraphrase" in header


def test_carc_labels_by_key_and_unknown_codes_as_code_only():
    from x12tool.refdata import UNKNOWN_CODE, load_reason_codes

    reasons = load_reason_codes()
    assert reasons.carc("97") == reasons.carc("CO-97") == "bundled into another service"
    assert reasons.adjustment("PR-204") == (
        "patient responsibility: not covered by the patient's current plan"
    )
    assert reasons.rarc(" m15 ") == reasons.rarcs["M15"].label
    assert UNKNOWN_CODE == "code only (not in the shipped list)"
    for lookup, code in [
        (reasons.carc, "B99"),
        (reasons.carc, "CO-999"),
        (reasons.rarc, "N9999"),
        (reasons.group, "OI"),
        (reasons.carc, ""),
        (reasons.rarc, None),
    ]:
        assert lookup(code) == UNKNOWN_CODE
    assert reasons.adjustment("XX-97") == f"{UNKNOWN_CODE}: bundled into another service"
    assert not reasons.known("CO-999") and reasons.known("CO-97")
