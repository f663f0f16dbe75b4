"""The HTML pages' element maker and serializer, on lxml.etree alone.

Why not lxml.html: importing it (its element classes, its builder, its Python modules) cost
~36 M instructions of a 1,000-claim ``preflight`` (~1,880 M) for nothing the pages use. Its
builder is lxml.builder's ElementMaker over an HTML parser's ``makeelement``, and its
``tostring`` is ``etree.tostring(method="html")`` followed by the removal of any
``<meta http-equiv="Content-Type">``; both are made here the same way, so the tree and the
page's bytes are the ones lxml.html made (tests/reports/test_html_builder.py compares them).
The element class is plain ``etree._Element``: the serializer reads the tree, not the class.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.builder import ElementMaker

# A plain HTML parser: its documents are HTML documents, as lxml.html's parser's are, and it
# has no Python class lookup to call back into for each element.
PARSER = etree.HTMLParser()
_E = ElementMaker(makeelement=PARSER.makeelement)
SubElement = etree.SubElement

# The tags the pages use, named as in lxml.html.builder (a partial of the maker per tag).
A = _E.a
B = _E.b
BODY = _E.body
BR = _E.br
CODE = _E.code
DIV = _E.div
H1 = _E.h1
H2 = _E.h2
H3 = _E.h3
H4 = _E.h4
HEAD = _E.head
HTML = _E.html
I = _E.i  # noqa: E741 - the tag's own name, as lxml.html.builder spells it
MAIN = _E.main
META = _E.meta
P = _E.p
SMALL = _E.small
SPAN = _E.span
STYLE = _E.style
TABLE = _E.table
TBODY = _E.tbody
TD = _E.td
TH = _E.th
THEAD = _E.thead
TITLE = _E.title
TR = _E.tr


def CLASS(v: str) -> dict[str, str]:  # noqa: N802 - lxml.html.builder's name
    """The ``class`` attribute, as a child of a maker's call."""
    return {"class": v}


# lxml.html.tostring drops what libxml2 may write for the document's encoding.
_META_CONTENT_TYPE = re.compile(r'<meta http-equiv="Content-Type"[^>]*>').sub


def page_text(page) -> str:
    """The whole page as lxml.html.tostring(page, doctype="<!DOCTYPE html>",
    encoding="unicode", pretty_print=True) writes it."""
    text = etree.tostring(
        page,
        method="html",
        pretty_print=True,
        encoding="unicode",
        with_tail=True,
        doctype="<!DOCTYPE html>",
    )
    return _META_CONTENT_TYPE("", text)
