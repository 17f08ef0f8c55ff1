"""Cases for RFC 9113 7 (error codes) and 8 (HTTP semantics): the request/response exchange, field validity,
pseudo-header fields, connection-specific fields, cookie crumbs, content-length and server push."""
import struct

from .frames import END_HEADERS, GOAWAY, NO_ERROR, PROTOCOL_ERROR, PUSH_PROMISE, plain_block, raw
from .shapes import open_stream, sends
from .suite import case
from .verdicts import connection_error, ignored, ping_answered, response, stream_error


def with_trailers(c, trailers, end_stream=True):
    """Stream 1 opened by a GET without END_STREAM, 4 octets of DATA, then `trailers` in a second HEADERS."""
    open_stream(c)
    c.send_data(1, b"test", end_stream=False)
    c.send_headers(1, headers=trailers, end_stream=end_stream)


def malformed(t, headers, note=None):
    """A request with a malformed field section: stream error PROTOCOL_ERROR (RFC 9113 8.1.1)."""
    c = t.open()
    c.send_headers(1, headers=headers, note=note)
    return stream_error(c, 1, PROTOCOL_ERROR)


def malformed_field(cid, description, name, value):
    """Registers the case that sends a GET of --path with the field `name: value` added: malformed."""
    case(cid, description)(lambda t: malformed(t, t.request(extra=[(name, value)])))


def malformed_pseudo(cid, description, fields):
    """Registers the case that sends the request fields `fields(t.request())`: malformed."""
    case(cid, description)(lambda t: malformed(t, fields(t.request())))


def served(cid, description, *extra):
    """Registers the case that sends a GET of --path with the fields `extra` added: request served."""
    sends(cid, description, lambda c: c.send_headers(1, headers=c.request(extra=extra)), response, 1)


def content_length(cid, description, length, *chunks):
    """Registers the case that sends a request with content-length `length` and DATA frames of `chunks` (the last
    with END_STREAM): stream error PROTOCOL_ERROR when they disagree."""
    @case(cid, description)
    def _(t):
        c = t.open()
        c.send_headers(1, headers=c.request(extra=[("content-length", str(length))]), end_stream=False)
        for i, chunk in enumerate(chunks):
            c.send_data(1, chunk, end_stream=i == len(chunks) - 1)
        return stream_error(c, 1, PROTOCOL_ERROR)


# 7 error codes

@case("http2/7/1", "Sends a GOAWAY with an unknown error code: no special behaviour (PING answered or clean close)")
def _(t):
    c = t.open()
    c.send_goaway(0, 0xFF)
    return ping_answered(c, "or a close without an error GOAWAY", lambda f: f.type == GOAWAY and f.code != NO_ERROR,
                         lambda: f"connection closed ({c.closed})")


sends("http2/7/2", "Sends a RST_STREAM with an unknown error code: ignored",
      lambda c: c.send_rst(1, 0xFF), ignored, after=open_stream)


# 8.1 HTTP request/response exchange

sends("http2/8.1/1", "Sends a second HEADERS (trailers) without END_STREAM: stream error PROTOCOL_ERROR",
      lambda c: with_trailers(c, [("x-trailer", "1")], end_stream=False), stream_error, 1, PROTOCOL_ERROR)
sends("http2/8.1/2", "Sends HEADERS, DATA, then trailers with END_STREAM: request served",
      lambda c: with_trailers(c, [("x-trailer", "1")]), response, 1, None)


# 8.1.2 HTTP header fields (RFC 9113 8.2, 8.2.1 field validity)

malformed_field("http2/8.1.2/1", "Sends a header field name with uppercase letters: stream error PROTOCOL_ERROR",
                "X-TEST", "ok")
malformed_field("http2/8.1.2/2", "Sends a header field name containing a space: stream error PROTOCOL_ERROR",
                "x test", "ok")
malformed_field("http2/8.1.2/3", "Sends a regular header field name containing a colon: stream error PROTOCOL_ERROR",
                "x:test", "ok")
malformed_field("http2/8.1.2/4", "Sends an empty header field name: stream error PROTOCOL_ERROR", "", "ok")
malformed_field("http2/8.1.2/5", "Sends a header field value containing LF: stream error PROTOCOL_ERROR",
                "x-test", "a\nb")
malformed_field("http2/8.1.2/6", "Sends a header field value containing CR: stream error PROTOCOL_ERROR",
                "x-test", "a\rb")
malformed_field("http2/8.1.2/7", "Sends a header field value containing NUL: stream error PROTOCOL_ERROR",
                "x-test", "a\x00b")
malformed_field("http2/8.1.2/8", "Sends a header field value with a leading space: stream error PROTOCOL_ERROR "
                                 "(RFC 9113 8.2.1)", "x-test", " ok")
malformed_field("http2/8.1.2/9", "Sends a header field value with a trailing tab: stream error PROTOCOL_ERROR "
                                 "(RFC 9113 8.2.1)", "x-test", "ok\t")


# 8.1.2.1 pseudo-header fields

malformed_pseudo("http2/8.1.2.1/1", "Sends an unknown pseudo-header field (:foo): stream error PROTOCOL_ERROR",
                 lambda r: r[:4] + [(":foo", "bar")])
malformed_pseudo("http2/8.1.2.1/2", "Sends a response pseudo-header (:status) in a request: stream error "
                                    "PROTOCOL_ERROR", lambda r: r[:4] + [(":status", "200")])
sends("http2/8.1.2.1/3", "Sends a pseudo-header field in trailers: stream error PROTOCOL_ERROR",
      lambda c: with_trailers(c, [(":method", "POST")]), stream_error, 1, PROTOCOL_ERROR)
malformed_pseudo("http2/8.1.2.1/4", "Sends a pseudo-header field after a regular field: stream error PROTOCOL_ERROR",
                 lambda r: r[:3] + [("x-test", "ok")] + r[3:])


# 8.1.2.2 connection-specific header fields

malformed_field("http2/8.1.2.2/1", "Sends a connection header field: stream error PROTOCOL_ERROR",
                "connection", "keep-alive")
malformed_field("http2/8.1.2.2/2", "Sends a TE header field other than trailers (gzip): stream error PROTOCOL_ERROR",
                "te", "gzip")
served("http2/8.1.2.2/3", "Sends TE: trailers: allowed, request served", ("te", "trailers"))
malformed_field("http2/8.1.2.2/4", "Sends a keep-alive header field: stream error PROTOCOL_ERROR",
                "keep-alive", "timeout=5")
malformed_field("http2/8.1.2.2/5", "Sends a proxy-connection header field: stream error PROTOCOL_ERROR",
                "proxy-connection", "keep-alive")
malformed_field("http2/8.1.2.2/6", "Sends a transfer-encoding header field: stream error PROTOCOL_ERROR",
                "transfer-encoding", "chunked")
malformed_field("http2/8.1.2.2/7", "Sends an upgrade header field: stream error PROTOCOL_ERROR", "upgrade", "h2c")


# 8.1.2.3 request pseudo-header fields

def without(name):
    return lambda r: [(n, v) for n, v in r if n != name]


def twice(name):
    return lambda r: r[:4] + [(name, dict(r)[name])] + r[4:]


malformed_pseudo("http2/8.1.2.3/1", "Sends an empty :path: stream error PROTOCOL_ERROR",
                 lambda r: [(n, "" if n == ":path" else v) for n, v in r])
malformed_pseudo("http2/8.1.2.3/2", "Omits :method: stream error PROTOCOL_ERROR", without(":method"))
malformed_pseudo("http2/8.1.2.3/3", "Omits :scheme: stream error PROTOCOL_ERROR", without(":scheme"))
malformed_pseudo("http2/8.1.2.3/4", "Omits :path: stream error PROTOCOL_ERROR", without(":path"))
malformed_pseudo("http2/8.1.2.3/5", "Sends :method twice: stream error PROTOCOL_ERROR", twice(":method"))
malformed_pseudo("http2/8.1.2.3/6", "Sends :scheme twice: stream error PROTOCOL_ERROR", twice(":scheme"))
malformed_pseudo("http2/8.1.2.3/7", "Sends :path twice: stream error PROTOCOL_ERROR", twice(":path"))
malformed_pseudo("http2/8.1.2.3/8", "Sends :authority twice: stream error PROTOCOL_ERROR (RFC 9113 8.3)",
                 twice(":authority"))


# 8.1.2.5 compressing the cookie header field

served("http2/8.1.2.5/1", "Sends the cookie header as separate fields (crumbs): request served",
       ("cookie", "a=1"), ("cookie", "b=2"))


# 8.1.2.6 malformed requests and responses (content-length)

content_length("http2/8.1.2.6/1", "Sends content-length: 1 with 4 octets of DATA: stream error PROTOCOL_ERROR",
               1, b"test")
content_length("http2/8.1.2.6/2", "Sends content-length: 1 with two DATA frames totalling 8 octets: stream error "
                                  "PROTOCOL_ERROR", 1, b"test", b"test")
content_length("http2/8.1.2.6/3", "Sends content-length: 10 with 4 octets of DATA and END_STREAM: stream error "
                                  "PROTOCOL_ERROR", 10, b"test")


# 8.2 server push

sends("http2/8.2/1", "Sends a PUSH_PROMISE frame (a client cannot push): connection error PROTOCOL_ERROR",
      lambda c: c.send(raw(PUSH_PROMISE, END_HEADERS, 1, struct.pack(">I", 2) + plain_block(c.request()))),
      connection_error, PROTOCOL_ERROR, after=open_stream)
