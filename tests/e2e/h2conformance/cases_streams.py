"""Cases for RFC 9113 5 (streams and multiplexing): stream states, identifiers, concurrency, dependencies, error
handling and extensions."""
from .client import Skip
from .frames import (CANCEL, END_HEADERS, GOAWAY, HEADERS, MAX_CONCURRENT_STREAMS, PING,
                     PROTOCOL_ERROR, REFUSED_STREAM, RST_STREAM, STREAM_CLOSED, raw)
from .shapes import answered, continuation, data, half_closed, interrupted, reset, sends
from .suite import case
from .verdicts import closed, connection_error, expect, fail, ignored, stream_error


def request(c):
    """A GET of --path with END_STREAM on stream 1 (again)."""
    c.send_headers(1)


# 5.1 stream states

sends("http2/5.1/1", "idle: Sends a DATA frame: connection error PROTOCOL_ERROR",
      data, connection_error, PROTOCOL_ERROR)
sends("http2/5.1/2", "idle: Sends a RST_STREAM frame: connection error PROTOCOL_ERROR",
      lambda c: c.send_rst(1, CANCEL), connection_error, PROTOCOL_ERROR)
sends("http2/5.1/3", "idle: Sends a WINDOW_UPDATE frame: connection error PROTOCOL_ERROR",
      lambda c: c.send_window_update(1, 100), connection_error, PROTOCOL_ERROR)
sends("http2/5.1/4", "idle: Sends a CONTINUATION frame: connection error PROTOCOL_ERROR",
      lambda c: c.send_continuation(1, c.encode(c.request())), connection_error, PROTOCOL_ERROR)

sends("http2/5.1/5", "half closed (remote): Sends a DATA frame: stream error STREAM_CLOSED",
      data, stream_error, 1, STREAM_CLOSED, after=half_closed)
sends("http2/5.1/6", "half closed (remote): Sends a HEADERS frame: stream error STREAM_CLOSED",
      lambda c: c.send_headers(1, headers=[("x-trailer", "1")]), stream_error, 1, STREAM_CLOSED, after=half_closed)
sends("http2/5.1/7", "half closed (remote): Sends a CONTINUATION frame: STREAM_CLOSED or connection error "
                     "PROTOCOL_ERROR", continuation, stream_error, 1, STREAM_CLOSED, PROTOCOL_ERROR, after=half_closed)

sends("http2/5.1/8", "closed: Sends a DATA frame after sending RST_STREAM: stream error STREAM_CLOSED",
      data, stream_error, 1, STREAM_CLOSED, after=reset)
sends("http2/5.1/9", "closed: Sends a HEADERS frame after sending RST_STREAM: stream error STREAM_CLOSED",
      request, stream_error, 1, STREAM_CLOSED, after=reset)
sends("http2/5.1/10", "closed: Sends a CONTINUATION frame after sending RST_STREAM: STREAM_CLOSED or connection "
                      "error PROTOCOL_ERROR", continuation, stream_error, 1, STREAM_CLOSED, PROTOCOL_ERROR, after=reset)

sends("http2/5.1/11", "closed: Sends a DATA frame on a stream closed by END_STREAM both ways: STREAM_CLOSED",
      data, stream_error, 1, STREAM_CLOSED, after=answered)
sends("http2/5.1/12", "closed: Sends a HEADERS frame on a stream closed by END_STREAM both ways: STREAM_CLOSED",
      request, stream_error, 1, STREAM_CLOSED, after=answered)
sends("http2/5.1/13", "closed: Sends a CONTINUATION frame on a closed stream: STREAM_CLOSED or connection error "
                      "PROTOCOL_ERROR", continuation, stream_error, 1, STREAM_CLOSED, PROTOCOL_ERROR, after=answered)


# 5.1.1 stream identifiers

sends("http2/5.1.1/1", "Sends a client HEADERS with an even-numbered stream identifier: connection error "
                       "PROTOCOL_ERROR", lambda c: c.send_headers(2), connection_error, PROTOCOL_ERROR)
sends("http2/5.1.1/2", "Sends a HEADERS whose stream identifier is smaller than a previous one: connection error "
                       "PROTOCOL_ERROR", lambda c: c.send_headers(3), connection_error, PROTOCOL_ERROR,
      after=lambda c: c.send_headers(5))


# 5.1.2 stream concurrency

@case("http2/5.1.2/1", "Opens more streams than SETTINGS_MAX_CONCURRENT_STREAMS: stream error PROTOCOL_ERROR or "
                       "REFUSED_STREAM on the one over the limit")
def _(t):
    c = t.open()
    limit = c.server_settings.get(MAX_CONCURRENT_STREAMS)
    if limit is None or limit > 1000:
        raise Skip(f"SETTINGS_MAX_CONCURRENT_STREAMS is {limit}: not tested")
    batch = b"".join(raw(HEADERS, END_HEADERS, 2 * i + 1, c.encode(c.request())) for i in range(limit))
    c.send(batch, f"{limit} x HEADERS(s1..s{2 * limit - 1}, END_HEADERS, no END_STREAM)")
    over = 2 * limit + 1
    c.send_headers(over, end_stream=False)
    return stream_error(c, over, PROTOCOL_ERROR, REFUSED_STREAM)


# 5.3.1 stream dependencies (deprecated by RFC 9113 5.3.2)

def self_dependency(c, sid):
    """RFC 9113 5.3.1 (kept from RFC 7540): a stream cannot depend on itself; a stream error
    PROTOCOL_ERROR, also for a server that advertises SETTINGS_NO_RFC7540_PRIORITIES=1 and otherwise
    ignores priority signals. For an idle stream, where RST_STREAM may not be sent, a connection error."""
    return stream_error(c, sid, PROTOCOL_ERROR)


@case("http2/5.3.1/1", "Sends a HEADERS frame that depends on itself: PROTOCOL_ERROR")
def _(t):
    c = t.open()
    c.send_headers(1, priority=(1, 15, False))
    return self_dependency(c, 1)


@case("http2/5.3.1/2", "Sends a PRIORITY frame that depends on itself: PROTOCOL_ERROR")
def _(t):
    c = t.open()
    c.send_priority(1, depends_on=1)
    return self_dependency(c, 1)


# 5.4.1 connection error handling

sends("http2/5.4.1/1", "After a connection error (PING on stream 3) the server closes the TCP connection",
      raw(PING, 0, 3, b"\x00" * 8),
      closed, "GOAWAY(PROTOCOL_ERROR) then the connection closed (RFC 9113 5.4.1: MUST close)")


@case("http2/5.4.1/2", "A connection error's GOAWAY names the last stream processed (1, answered before the error)")
def _(t):
    c = t.open()
    answered(c)
    c.send(raw(PING, 0, 3, b"\x00" * 8))
    expected = "GOAWAY(last_stream=1, PROTOCOL_ERROR)"

    def on_frame(f):
        if f.type == GOAWAY:
            if f.last_stream == 1 and f.code == PROTOCOL_ERROR:
                return f.describe()
            fail(c, expected, "stopped at the GOAWAY")

    return expect(c, expected, on_frame, lambda: fail(c, expected, f"connection closed ({c.closed}) without GOAWAY"))


# 5.5 extending HTTP/2

sends("http2/5.5/1", "Sends an unknown extension frame (type 0xFF) on an idle stream: ignored",
      raw(0xFF, 0xFF, 1, b"extension"), ignored)
interrupted("http2/5.5/2", "Sends an unknown extension frame in the middle of a header block: connection error "
                           "PROTOCOL_ERROR", lambda c: c.send(raw(0xFF, 0, 1, b"extension")))
