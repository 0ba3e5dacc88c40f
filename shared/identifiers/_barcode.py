"""GS1 content in barcode text (element strings, bracketed HRI, Digital Link) via `biip`."""

from __future__ import annotations

import re

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message

from shared.identifiers._model import IdentifierError

GS = "\x1d"
_HRI = re.compile(r"\((\d{2,4})\)\S*")
_URL = re.compile(r"^https?://[^/\s]+(/\S*)$", re.IGNORECASE)
# A Digital Link path holds a primary key AI followed by a value of its shape, so an ordinary
# web address such as `/docs/01/intro` stays a plain label.
_DL_PATH = re.compile(
    r"/(?:00/\d{18}|01/\d{8,14}|414/\d{13}|417/\d{13}|402/\d{17}|8006/\d{18}|8017/\d{18}"
    r"|8018/\d{18}|(?:253|255)/\d{13}[^/?#]*|(?:401|8003|8004|8010|8013)/\d{4}[^/?#]*)"
    r"(?:[/?#]|$)"
)


_MAX_REASON = 240
_UNKNOWN_AI = "Failed to get GS1 Application Identifier from"


def _config() -> ParseConfig:
    return ParseConfig(separator_chars=(GS,))


def _collect(elements: list[GS1ElementString]) -> dict[str, str]:
    """AI -> value, refusing a value whose check digit biip found wrong."""
    ais: dict[str, str] = {}
    for element in elements:
        problem = element.gtin_error or element.sscc_error or element.gln_error
        if problem:
            raise IdentifierError(f"AI ({element.ai.ai}): {problem}")
        if ais.get(element.ai.ai, element.value) != element.value:
            raise IdentifierError(f"AI ({element.ai.ai}) appears twice with different values")
        ais[element.ai.ai] = element.value
    return ais


def _reason(exc: ParseError) -> str:
    """biip's message, shortened: it quotes the whole input, which may be very long."""
    text = str(exc)
    if text.startswith(_UNKNOWN_AI):
        text = "unknown AI: no GS1 Application Identifier begins" + text[len(_UNKNOWN_AI) :]
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 3] + "..."


def looks_like_digital_link(text: str) -> bool:
    """True for an http(s) URL whose path carries a GS1 primary key (any host)."""
    match = _URL.match(text)
    return bool(match and _DL_PATH.search(match.group(1)))


def looks_like_hri(text: str) -> bool:
    """True for bracketed GS1 text such as `(8004)0614141...`: no spaces, a known first AI.

    So a label such as `(555)123-4567` is not mistaken for GS1 data.
    """
    match = _HRI.fullmatch(text)
    if not match:
        return False
    try:
        application_identifier = GS1ApplicationIdentifier.extract(match.group(1))
    except ParseError:
        return False
    return application_identifier.ai == match.group(1)


def parse_element_string(body: str) -> dict[str, str]:
    """AI values of GS1 element strings as a scanner sends them (FNC1 as GS, no AIM prefix)."""
    text = body.lstrip(GS).rstrip("\r\n")
    if not text:
        raise IdentifierError("GS1 symbol carries no data")
    try:
        message = GS1Message.parse(text, config=_config())
    except ParseError as exc:
        raise IdentifierError(f"not valid GS1 element strings: {_reason(exc)}") from exc
    return _collect(message.element_strings)


def parse_hri(text: str) -> dict[str, str]:
    """AI values of bracketed human-readable text, `(01)...(21)...`."""
    try:
        message = GS1Message.parse_hri(text.strip(), config=_config())
    except ParseError as exc:
        raise IdentifierError(f"not valid bracketed GS1 text: {_reason(exc)}") from exc
    return _collect(message.element_strings)


def parse_digital_link(url: str) -> dict[str, str]:
    """AI values of a GS1 Digital Link URI on any host."""
    try:
        link = GS1DigitalLinkURI.parse(url.strip(), config=_config())
    except ParseError as exc:
        raise IdentifierError(f"not a valid GS1 Digital Link: {_reason(exc)}") from exc
    return _collect(link.element_strings)
