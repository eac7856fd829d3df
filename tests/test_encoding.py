from __future__ import annotations

import codecs

import pytest

from pipeline.io.encoding import BINARY, INVALID_UTF8, UNDECODABLE, Decoded, DecodeError, decode, decode_html

TEXT = "Café “quotes” – naïve résumé, it’s fine.\nSecond line."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with BOM
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-32"), "utf-32"),
        (TEXT.encode("cp1252"), "cp1252"),
        ("Señor año, déjà vu à la française.".encode("latin-1"), "cp1252"),
    ],
)
def test_supported_encodings_decode_to_the_same_text(data, encoding):
    decoded = decode(data)
    assert decoded.encoding == encoding
    expected = "Señor año, déjà vu à la française." if encoding == "cp1252" and b"Se" in data[:2] else TEXT
    assert decoded.text == expected


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BINARY),
        (bytes(range(1, 32)) * 10, BINARY),
        ("ok café ".encode() * 5 + b"\xff", INVALID_UTF8),
        (b"plain ascii then \xff\xfe\xfa\xfb garbage", UNDECODABLE),
        (b"bytes undefined in cp1252: \x81\x8d\x8f\x90\x9d", BINARY),
    ],
)
def test_undecodable_bytes_fail_with_a_reason(data, reason):
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert info.value.reason == reason


def test_mojibake_is_text_not_binary_data():
    # UTF-8 read once as latin-1 and written out again: each "’" is "â" and two C1 controls,
    # 6% of the text here, over the 1% that marks binary data. ftfy explains every one of them.
    text = "It’s “fine” — it’s text.\n" * 20
    mojibake = text.encode("utf-8").decode("latin-1")
    decoded = decode(mojibake.encode("utf-8"))
    assert (decoded.text, decoded.encoding) == (mojibake, "utf-8")  # repaired by normalizing, not here
    # Controls no repair explains still make it binary data, beside mojibake or in a legacy decode.
    for data in ((mojibake + "\x01\x02" * 20).encode("utf-8"), b"cp1252 leaves these undefined: \x81\x8d\x8f"):
        with pytest.raises(DecodeError) as info:
            decode(data)
        assert info.value.reason == BINARY


PAGE = "<html><head>{meta}</head><body><p>{words}, it\u2019s an old phrase.</p></body></html>"


def test_html_is_read_as_a_browser_reads_it_where_decode_cannot():
    page = PAGE.format(meta="", words="Caf\u00e9 society")
    assert decode_html(page.encode("utf-8")) == Decoded(page, "utf-8")
    # A stray byte in otherwise UTF-8 (decode: ingest.invalid_utf8) and a NUL byte (ingest.binary)
    # are each read as U+FFFD, the NUL as the HTML standard repairs it.
    for stray in (b"\xff", b"\x00"):
        data = page.encode("utf-8").replace(b"<p>", b"<!-- " + stray + b" --><p>")
        with pytest.raises(DecodeError):
            decode(data)
        assert decode_html(data) == Decoded(page.replace("<p>", "<!-- \ufffd --><p>"),
                                            "utf-8, 1 characters read as U+FFFD")
    # The charset a page declares: EUC-KR's bytes are no UTF-8, and no text in cp1252.
    korean = PAGE.format(meta='<meta charset="euc-kr">', words="\ud55c\uad6d \uc5b4").replace("\u2019", "'")
    with pytest.raises(DecodeError):
        decode(korean.encode("euc-kr"))
    assert decode_html(korean.encode("euc-kr")) == Decoded(korean, "euc_kr, 0 characters read as U+FFFD")
    # Binary data stays binary data.
    for data in (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(1, 32)) * 5, bytes(range(1, 32)) * 10):
        with pytest.raises(DecodeError) as info:
            decode_html(data)
        assert info.value.reason == BINARY


def test_empty_input_decodes_to_empty_text():
    assert decode(b"").text == ""


def test_plain_utf8_reads_what_decode_reads_when_no_other_encoding_comes_first():
    from pipeline.io.encoding import plain_utf8

    assert plain_utf8(TEXT.encode("utf-8")) == decode(TEXT.encode("utf-8")).text == TEXT
    assert plain_utf8(b"") == ""
    # A BOM, NUL bytes (decode tries UTF-16 first) or bytes that are not UTF-8: not plain.
    for data in (codecs.BOM_UTF8 + TEXT.encode("utf-8"), TEXT.encode("utf-16"), TEXT.encode("utf-16-le"),
                 TEXT.encode("cp1252")):
        assert plain_utf8(data) is None
    # It checks nothing else: decode rejects text that is mostly control characters.
    controls = bytes(range(1, 32)) * 10
    assert plain_utf8(controls) == controls.decode()
    with pytest.raises(DecodeError) as info:
        decode(controls)
    assert info.value.reason == BINARY
