"""Refuse hostile SVG before Qt draws it: `<use>` bombs, entity bombs, references to other
files. Plain XML (xml.etree), no Qt."""

from __future__ import annotations

import gzip
import io
import re
from xml.etree import ElementTree

from desktop.image_io.limits import SVG_MAX_BYTES, SVG_MAX_SHAPES, ImageError

_URL_REFERENCE = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")


def check_svg(data: bytes, compressed: bool, name: str) -> None:
    """Refuse SVGs that would take Qt minutes or hours to draw. `<use>` copies what it refers
    to, so 9 levels of 10 `<use>` of the level below make 10^9 shapes out of 2 KB: count the
    shapes with references expanded (each element once, so counting is fast)."""
    if compressed:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
                data = unpacked.read(SVG_MAX_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise ImageError(f"{name} is damaged: its compressed SVG cannot be unpacked "
                             f"({exc}).") from None
    if len(data) > SVG_MAX_BYTES:
        raise ImageError(f"{name} is too large: its SVG text is over "
                         f"{SVG_MAX_BYTES >> 20} MB.")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        if "amplification" in str(exc):  # expat's guard against "billion laughs" entities
            raise ImageError(f"{name} is too complex: its XML entities expand without bound "
                             "(a hostile SVG).") from None
        raise ImageError(f"{name} is damaged: its SVG is not well-formed XML ({exc}).") from None
    for element in root.iter():
        target = _external_reference(element)
        if target:
            raise ImageError(f"{name} refers to another file ({target[:80]}); this app opens "
                             "only self-contained SVG pictures.")
    elements = {element.get("id"): element for element in root.iter() if element.get("id")}
    counted: dict[int, int] = {}

    def shapes(element: ElementTree.Element, open_: set[int]) -> int:
        key = id(element)
        if key in counted:
            return counted[key]
        if key in open_:
            return 0  # a reference cycle: Qt refuses it and draws nothing there
        open_.add(key)
        total = 1
        for child in element:
            total += shapes(child, open_)
            if total > SVG_MAX_SHAPES:
                break
        for reference in _references(element):
            if total > SVG_MAX_SHAPES:
                break
            if reference in elements:
                total += shapes(elements[reference], open_)
        open_.discard(key)
        counted[key] = min(total, SVG_MAX_SHAPES + 1)
        return counted[key]

    try:
        total = shapes(root, set())
    except RecursionError:
        raise ImageError(f"{name} is too complex: its SVG elements nest too deeply.") from None
    if total > SVG_MAX_SHAPES:
        raise ImageError(f"{name} is too complex to draw: its <use> references expand to more "
                         f"than {SVG_MAX_SHAPES:,} shapes (a hostile \"SVG bomb\").")


def _external_reference(element: ElementTree.Element) -> str | None:
    """What an element would make Qt open besides the SVG itself (an <image> of another file:
    a FIFO or /dev/zero there would hang the decoder)."""
    if element.tag.rpartition("}")[2] == "a":
        return None  # a link: never followed
    for key, value in element.attrib.items():
        if key == "href" or key.endswith("}href"):
            value = value.strip()
            if value and not value.startswith(("#", "data:")):
                return value
    return None


def _references(element: ElementTree.Element) -> list[str]:
    """Ids an element draws again: href="#id" (use, patterns, gradients) and url(#id)."""
    found = []
    for key, value in element.attrib.items():
        if (key == "href" or key.endswith("}href")) and value.startswith("#"):
            found.append(value[1:])
        elif "url(" in value:
            found.extend(_URL_REFERENCE.findall(value))
    return found
