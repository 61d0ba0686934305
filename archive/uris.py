"""Target URIs as WARC headers want them: ASCII only, Chinese paths and queries percent-encoded."""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

# RFC 3986 reserved and unreserved characters plus "%": an already encoded URI stays as it is.
_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


def _ascii_host(netloc: str) -> str:
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport, "", ""
    if not hostport.startswith("[") and hostport.count(":") == 1:
        host, colon, port = hostport.partition(":")
    if not host.isascii():
        host = host.encode("idna").decode("ascii")
    if userinfo:
        userinfo = quote(userinfo, safe=_SAFE)
    return f"{userinfo}{at}{host}{colon}{port}"


def to_ascii_uri(uri: str) -> str:
    """Percent-encode (UTF-8) every non-ASCII character of a URI; IDN hosts become punycode."""
    if uri.isascii() and " " not in uri:
        return uri
    parts = urlsplit(uri)
    return urlunsplit(
        (
            parts.scheme,
            _ascii_host(parts.netloc),
            quote(parts.path, safe=_SAFE),
            quote(parts.query, safe=_SAFE),
            quote(parts.fragment, safe=_SAFE),
        )
    )


def request_target(uri: str) -> str:
    """The request-line target of an absolute URI: path plus query string, never empty."""
    parts = urlsplit(to_ascii_uri(uri))
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def host_header(uri: str) -> str:
    """The Host header value of an absolute URI."""
    return urlsplit(to_ascii_uri(uri)).netloc.rpartition("@")[2]
