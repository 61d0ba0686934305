"""Charset decisions: header, BOM, meta, detection; gb2312/gbk upgraded; lying metas survived."""

from __future__ import annotations

import codecs

from crawler.parser.charset import choose_charset, decode_html

TEXT = "中国报道讯(黄楚芳 报道)近日,厚街镇召开会议。镕"  # 镕 is not in GB2312


def html(declared: str | None) -> str:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">' if declared else ""
    return f"<html><head>{meta}</head><body><p>{TEXT}</p></body></html>"


def test_header_wins_and_key_is_case_insensitive() -> None:
    body = html("utf-8").encode("gb18030")
    text, charset = decode_html(body, {"content-TYPE": "text/html; charset=GBK"})
    assert charset == "gb18030" and TEXT in text


def test_gbk_bytes_declared_gb2312_decode_as_gb18030() -> None:
    text, charset = decode_html(html("gb2312").encode("gbk"))
    assert charset == "gb18030" and "镕" in text


def test_meta_that_lies_about_utf8_bytes() -> None:
    text, charset = decode_html(html("gb2312").encode("utf-8"))
    assert charset == "utf-8" and TEXT in text


def test_bom_beats_meta() -> None:
    body = codecs.BOM_UTF8 + html("gbk").encode("utf-8")
    text, charset = decode_html(body)
    assert charset == "utf-8" and text.lstrip().startswith("<html>")


def test_undeclared_gbk_is_detected() -> None:
    body = html(None).encode("gbk") * 3
    text, charset = decode_html(body)
    assert charset == "gb18030" and TEXT in text


def test_malformed_meta_and_unknown_label() -> None:
    assert choose_charset(b'<meta httpequiv="content-type" content="text/html;charset=gb2312">' + "中文".encode("gbk")) == "gb18030"
    text, charset = decode_html(b'<meta charset="x-no-such-charset"><p>abc</p>')
    assert charset == "utf-8" and "abc" in text


def test_empty_and_binary_never_raise() -> None:
    assert decode_html(b"") == ("", "utf-8")
    text, charset = decode_html(bytes(range(256)) * 4)
    assert isinstance(text, str) and charset
