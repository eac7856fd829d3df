"""Turn the bytes of one document into text, or say precisely why not.

Order: byte-order marks (UTF-8, UTF-16, UTF-32), UTF-16 without a BOM, binary data,
strict UTF-8, then the legacy single-byte encodings of the Western web (cp1252, with
latin-1 for the five bytes cp1252 leaves undefined) when the result reads as text.
Mojibake inside correctly decoded text is ftfy's job, in :mod:`pipeline.stages.normalize`. An
HTML page that none of these reads is read as a browser reads it (:func:`decode_html`).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import ftfy
from ftfy.badness import is_bad

from pipeline.text.words import LETTER_RUN

# Reasons, "ingest.<rule>": every failed decode names one of these.
BINARY = "ingest.binary"
INVALID_UTF8 = "ingest.invalid_utf8"
UNDECODABLE = "ingest.undecodable"

# Share of the odd (or even) bytes that are NUL before two-byte text is taken as
# UTF-16 without a BOM: ASCII-range UTF-16 has a NUL in every other byte.
MIN_UTF16_NUL_RATIO = 0.4
# Share of C0/C1 control characters (other than tab, newline, CR, form feed) above
# which decoded "text" is taken for binary data: real text has next to none.
MAX_CONTROL_CHAR_RATIO = 0.01
# A UTF-8 multi-byte sequence. Its presence in bytes that fail to decode as UTF-8
# means the file is UTF-8 with corrupt bytes, not a legacy single-byte encoding.
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)
# The legacy single-byte encodings tried last: cp1252, then latin-1 for the five bytes cp1252
# leaves undefined.
_LEGACY = ("cp1252", "latin-1")
# What a browser shows for a byte it cannot read.
REPLACEMENT = "\ufffd"
# Where a browser looks for a page's <meta> charset: its first 1,024 bytes (WHATWG's prescan).
HTML_PRESCAN_BYTES = 1024
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
# C0 and C1 control characters other than tab, newline, carriage return, form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


class DecodeError(ValueError):
    """The bytes are not text in any supported encoding."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


def decode(data: bytes) -> Decoded:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(UNDECODABLE, f"{encoding} BOM, but {exc}") from None
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise DecodeError(BINARY, f"binary data: NUL byte at offset {data.index(0)}")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if _UTF8_MULTIBYTE.search(data):
        raise DecodeError(
            INVALID_UTF8,
            f"invalid UTF-8 at byte {utf8_error.start} ({utf8_error.reason}) in otherwise UTF-8 text",
        )
    return _legacy(data, utf8_error)


def decode_html(data: bytes) -> Decoded:
    """An HTML page's text: :func:`decode`'s, and where that fails for bytes it cannot read, the
    page as a browser shows it (the WHATWG encoding standard's order, in part): in the charset
    its ``<meta>`` declares, else UTF-8 when its bytes hold UTF-8 sequences, else cp1252, each
    unreadable byte and each NUL (a parse error HTML repairs so) read as U+FFFD. A stray byte in
    a comment or a script then costs nothing; binary data with a NUL stays binary data."""
    try:
        return decode(data)
    except DecodeError as exc:
        if exc.reason == BINARY and b"\x00" not in data:
            raise
        failed = exc
    encoding = _declared_charset(data[:HTML_PRESCAN_BYTES]) or (
        "utf-8" if _UTF8_MULTIBYTE.search(data) else _LEGACY[0])
    text = data.decode(encoding, errors="replace").replace("\x00", REPLACEMENT)
    try:
        _checked(text, encoding)
    except DecodeError:
        raise failed from None
    return Decoded(text, f"{encoding}, {text.count(REPLACEMENT)} characters read as U+FFFD")


def _declared_charset(head: bytes) -> str | None:
    """The codec of the charset a page's ``<meta>`` declares, if Python has one, with a browser's
    substitutions: ASCII and latin-1 are read as cp1252, and UTF-16 or UTF-32 (declared in
    bytes that ASCII reads) as UTF-8."""
    found = _META_CHARSET.search(head)
    if found is None:
        return None
    try:
        name = codecs.lookup(found.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if name in ("ascii", "iso8859-1"):
        return _LEGACY[0]
    return "utf-8" if name.startswith(("utf-16", "utf-32")) else name


def plain_utf8(data: bytes) -> str | None:
    """``data``'s text as :func:`decode` reads it, when it is UTF-8 with no BOM and no NUL byte
    (so no other encoding is tried first), without the check for control characters; None for
    any other data. For a reader that needs a field of the text, not a verdict on it."""
    if b"\x00" in data or data.startswith(_BOM_PREFIXES):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _utf16_without_bom(data: bytes) -> Decoded | None:
    if len(data) < 4 or len(data) % 2:
        return None
    pairs = len(data) // 2
    even_nuls = data[0::2].count(0) / pairs
    odd_nuls = data[1::2].count(0) / pairs
    for nul_ratio, other_ratio, encoding in ((odd_nuls, even_nuls, "utf-16-le"), (even_nuls, odd_nuls, "utf-16-be")):
        if nul_ratio >= MIN_UTF16_NUL_RATIO and other_ratio == 0:
            try:
                return _checked(data.decode(encoding), encoding)
            except (UnicodeDecodeError, DecodeError):
                return None
    return None


def _legacy(data: bytes, utf8_error: UnicodeDecodeError) -> Decoded:
    try:
        text, encoding = data.decode(_LEGACY[0]), _LEGACY[0]
    except UnicodeDecodeError:
        text, encoding = data.decode(_LEGACY[1]), _LEGACY[1]
    decoded = _checked(text, encoding)
    if not _reads_as_legacy_text(decoded.text):
        raise DecodeError(
            UNDECODABLE,
            f"not UTF-8 (byte {utf8_error.start}: {utf8_error.reason}) and not readable as cp1252/latin-1",
        )
    return decoded


def _reads_as_legacy_text(text: str) -> bool:
    """cp1252 decodes any byte string; accept it only when it reads as Western text.

    In Western text an accented letter sits inside a word with unaccented letters
    ("café", "naïve") or stands alone ("à"); runs of accented letters only ("ÿþú")
    and mojibake signatures are what random or mis-labelled bytes look like.
    """
    if is_bad(text):
        return False
    for match in LETTER_RUN.finditer(text):
        word = match.group()
        if len(word) > 1 and not word.isascii() and not any(c.isascii() for c in word):
            return False
    return True


def _checked(text: str, encoding: str) -> Decoded:
    if text:
        controls = len(_CONTROL.findall(text))
        if controls / len(text) > MAX_CONTROL_CHAR_RATIO and encoding not in _LEGACY:
            # Mojibake is text: UTF-8 once read as latin-1 holds C1 controls ("’" became "â" and
            # U+0080 and U+0099) that ftfy's repair, which normalizing applies, turns back into
            # the characters they were. Only those it leaves count. (A legacy decode's C1
            # controls are the bytes cp1252 leaves undefined: no repair explains them.)
            controls = len(_CONTROL.findall(ftfy.fix_encoding(text)))
        if controls / len(text) > MAX_CONTROL_CHAR_RATIO:
            raise DecodeError(BINARY, f"binary data: {controls} control characters in {len(text)}")
    return Decoded(text, encoding)
