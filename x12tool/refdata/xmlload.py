"""Safe XML parsing and XSD validation for the maps.

Every maps file and user profile file goes through :func:`load_document`: a hardened lxml parser
(no entity expansion, no DTD loading, no network, no huge trees), a refusal of any DOCTYPE (so no
entity can even be declared), then validation against the file's XSD.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import MapError
from .paths import maps_dir

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from lxml import etree

# lxml is imported by the functions that parse: a run whose shipped maps come compiled
# (x12tool/refdata/compiled.py) reads no XML and does not pay lxml's import.


def make_parser() -> etree.XMLParser:
    """The only parser settings used for maps, schemas and user files."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def _read(source: Traversable | Path) -> bytes:
    try:
        return source.read_bytes()
    except OSError as exc:
        raise MapError(str(source), None, f"cannot read file: {exc.strerror or exc}") from None


def parse_bytes(data: bytes, name: str) -> etree._ElementTree:
    """Parse ``data`` safely; any DOCTYPE is refused. Errors name ``name`` and the line."""
    from lxml import etree

    parser = make_parser()
    try:
        root = etree.fromstring(data, parser, base_url=None)
    except etree.XMLSyntaxError as exc:
        raise MapError(name, exc.lineno, f"not well-formed XML: {exc.msg}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        pos = data.find(b"<!DOCTYPE")
        line = data.count(b"\n", 0, pos) + 1 if pos >= 0 else 1
        raise MapError(name, line, "DOCTYPE and entity declarations are not allowed in maps files")
    return tree


@cache
def _schema(xsd_name: str) -> etree.XMLSchema:
    from lxml import etree

    src = maps_dir() / xsd_name
    tree = parse_bytes(_read(src), str(src))
    try:
        return etree.XMLSchema(tree)
    except etree.XMLSchemaParseError as exc:
        raise MapError(str(src), None, f"invalid XML schema: {exc}") from None


def load_document(source: Traversable | Path, xsd_name: str) -> etree._Element:
    """Read, parse and validate one XML file; return its root element."""
    name = str(source)
    tree = parse_bytes(_read(source), name)
    schema = _schema(xsd_name)
    if not schema.validate(tree):
        err = schema.error_log[0]
        more = len(schema.error_log) - 1
        tail = f" (and {more} more schema error{'s' if more != 1 else ''})" if more else ""
        raise MapError(name, err.line, f"does not match {xsd_name}: {err.message}{tail}")
    return tree.getroot()
