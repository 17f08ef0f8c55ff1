"""Cases for RFC 9113 3.5 (the connection preface) and 4 (frame format, frame size, header compression)."""
import time

from hyperframe.frame import PingFrame

from .client import CaseFailed, Closed, Timeout
from .frames import (COMPRESSION_ERROR, CONTINUATION, DATA, DEFAULT_MAX_FRAME, END_HEADERS, END_STREAM,
                     FRAME_SIZE_ERROR, GOAWAY, HEADERS, MAX_FRAME_SIZE, PING, PREFACE, PROTOCOL_ERROR, literal,
                     plain_block, raw)
from .shapes import interrupted, sends
from .suite import case
from .verdicts import awaited, connection_error, ignored, response, stream_error


def filler_block(c, size, base=None):
    """A request field block of exactly `size` octets: a GET plus one padding field."""
    base = base if base is not None else c.encode(c.request())
    value_len = max(size - len(base) - 10, 0)
    while True:
        block = base + literal("x-filler", "a" * value_len)
        if len(block) == size:
            return block
        value_len += size - len(block)


# 3.5 HTTP/2 connection preface

@case("http2/3.5/1", "Sends client connection preface: the server's first frame is SETTINGS, and it ACKs ours")
def _(t):
    t.open()
    return "server SETTINGS and SETTINGS ACK received"


@case("http2/3.5/2", "Sends invalid connection preface: connection error PROTOCOL_ERROR")
def _(t):
    c = t.conn()
    c.send(b"INVALID CONNECTION PREFACE\r\n\r\n", "'INVALID CONNECTION PREFACE\\r\\n\\r\\n' (30 octets)")
    deadline = time.monotonic() + t.timeout
    while True:
        try:
            c._fill(deadline)
        except Timeout:
            raise CaseFailed(f"sent an invalid preface; expected GOAWAY(PROTOCOL_ERROR) or connection close; got "
                             f"{bytes(c.buf[:80])!r} and the connection still open after {t.timeout:g}s")
        except Closed:
            break
    data = bytes(c.buf)
    if data[3:4] == b"\x04":  # HTTP/2 frames: the SETTINGS preface, maybe a GOAWAY
        try:
            frames = []
            while len(c.buf) >= 9:
                frames.append(c._frame(time.monotonic() + 0.01))
        except (Timeout, Closed):
            pass
        for f in frames:
            if f.type == GOAWAY and f.code != PROTOCOL_ERROR:
                raise CaseFailed(f"sent an invalid preface; expected GOAWAY(PROTOCOL_ERROR) or close; got "
                                 f"{f.describe()}")
        return f"closed ({c.closed}) after {', '.join(f.describe() for f in frames) or 'nothing'}"
    return f"closed ({c.closed}) after {len(data)} octets{': ' + repr(data[:40]) if data else ''}"


@case("http2/3.5/3", "Sends a PING instead of SETTINGS after the preface: connection error PROTOCOL_ERROR")
def _(t):
    c = t.conn()
    c.send(PREFACE + PingFrame(0, opaque_data=b"h2spec\x00\x00").serialize(), "preface + PING (no SETTINGS)")
    return connection_error(c, PROTOCOL_ERROR)


# 4.1 frame format

sends("http2/4.1/1", "Sends a frame with unknown type: ignored", raw(0x16, 0, 0, b"\x00" * 8), ignored)


@case("http2/4.1/2", "Sends a PING with undefined flags (0x16): flags ignored, PING ACK with the payload")
def _(t):
    c = t.open()
    payload = b"undefflg"
    c.send(raw(PING, 0x16, 0, payload))
    return awaited(c, f"PING(ACK, {payload!r})", lambda f: f.type == PING and f.ack and f.payload == payload)


@case("http2/4.1/3", "Sends a HEADERS frame with the reserved bit of the stream identifier set: bit ignored")
def _(t):
    c = t.open()
    c.send(raw(HEADERS, END_STREAM | END_HEADERS, 0x80000001, c.encode(c.request())))
    return response(c, 1)


# 4.2 frame size

@case("http2/4.2/1", "Sends a DATA frame with 2^14 octets: accepted (request served)")
def _(t):
    c = t.open()
    c.send_headers(1, end_stream=False)
    c.send_data(1, b"x" * 16384)
    return response(c, 1, status=None)


@case("http2/4.2/2", "Sends a DATA frame larger than SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR")
def _(t):
    c = t.open()
    size = c.setting(MAX_FRAME_SIZE, DEFAULT_MAX_FRAME) + 1
    c.send_headers(1, end_stream=False)
    c.send(raw(DATA, END_STREAM, 1, b"x" * size))
    return stream_error(c, 1, FRAME_SIZE_ERROR)


@case("http2/4.2/3", "Sends a HEADERS frame larger than SETTINGS_MAX_FRAME_SIZE: connection error FRAME_SIZE_ERROR")
def _(t):
    c = t.open()
    size = c.setting(MAX_FRAME_SIZE, DEFAULT_MAX_FRAME) + 1
    c.send(raw(HEADERS, END_STREAM | END_HEADERS, 1, filler_block(c, size)))
    return connection_error(c, FRAME_SIZE_ERROR)


@case("http2/4.2/4", "Sends a CONTINUATION frame larger than SETTINGS_MAX_FRAME_SIZE: connection error "
                     "FRAME_SIZE_ERROR")
def _(t):
    c = t.open()
    size = c.setting(MAX_FRAME_SIZE, DEFAULT_MAX_FRAME) + 1
    block = c.encode(c.request())
    c.send_headers(1, block=block, end_headers=False)
    c.send(raw(CONTINUATION, END_HEADERS, 1, filler_block(c, size, base=b"")))
    return connection_error(c, FRAME_SIZE_ERROR)


# 4.3 header compression and decompression

@case("http2/4.3/1", "Sends an invalid header block (a truncated string literal): connection error COMPRESSION_ERROR")
def _(t):
    c = t.open()
    c.send_headers(1, block=c.encode(c.request()) + b"\x40\x0aabc", note="GET + literal whose name says 10 octets "
                                                                          "but has 3")
    return connection_error(c, COMPRESSION_ERROR)


interrupted("http2/4.3/2", "Sends a PRIORITY frame in the middle of a header block: connection error PROTOCOL_ERROR",
            lambda c: c.send_priority(1))
interrupted("http2/4.3/3", "Sends a HEADERS frame for another stream in the middle of a header block: connection "
                           "error PROTOCOL_ERROR", lambda c: c.send_headers(3, block=plain_block(c.request())))
