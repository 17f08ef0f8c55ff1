"""Verdicts, as h2spec's: each reads frames until what a case expects comes (returned, described) or fails the
case with `CaseFailed`, whose message names what was sent, what was expected and the frames that came back.
Each waits at most the target's timeout.

  connection error X  GOAWAY with X, or the connection closed (RFC 9113 5.4.1: GOAWAY is best effort)
  stream error X      RST_STREAM with X on that stream, GOAWAY with X, or the connection closed
  ignored             a PING sent afterwards is answered by a PING ACK with the same payload
  request served      a response HEADERS frame on the stream (:status 200 for a plain GET of --path)
"""
import time

from .client import CaseFailed, Closed, Timeout
from .frames import DATA, GOAWAY, HEADERS, NO_ERROR, PING, RST_STREAM, SETTINGS, err_name, type_name


def fail(c, expected, tail):
    got = c.got[-12:]
    more = f"... {len(c.got) - 12} earlier, " if len(c.got) > 12 else ""
    raise CaseFailed(f"sent {' ; '.join(c.sent[-8:]) or 'nothing after the handshake'}; expected {expected}; "
                     f"got {'[' + more + ', '.join(got) + ']' if got else 'no frame'} then {tail}")


def expect(c, expected, on_frame, on_closed=None):
    """Feeds frames to `on_frame` until it returns a verdict. A close returns `on_closed()`; without
    `on_closed` it fails the case."""
    deadline = time.monotonic() + c.t.timeout
    while True:
        try:
            f = c.read(deadline)
        except Timeout:
            fail(c, expected, f"nothing more within {c.t.timeout:g}s")
        except Closed:
            if on_closed is None:
                fail(c, expected, f"connection closed ({c.closed})")
            return on_closed()
        verdict = on_frame(f)
        if verdict is not None:
            return verdict


def codes_text(codes):
    return "|".join(err_name(x) for x in codes)


def _goaway_code(c, expected, f, codes):
    """A GOAWAY with one of `codes` is the verdict; a graceful one may precede it (RFC 9113 5.4); others fail."""
    if f.code in codes:
        return f.describe()
    if f.code != NO_ERROR:
        fail(c, expected, "stopped at the GOAWAY with the wrong error code")
    return None


def connection_error(c, *codes):
    expected = f"GOAWAY({codes_text(codes)}) or connection close"

    def on_frame(f):
        if f.type == GOAWAY:
            return _goaway_code(c, expected, f, codes)

    return expect(c, expected, on_frame, lambda: f"connection closed ({c.closed})" + (
        "" if any(g.startswith("GOAWAY") for g in c.got) else " without GOAWAY"))


def stream_error(c, sid, *codes):
    expected = f"RST_STREAM(s{sid}, {codes_text(codes)}) or GOAWAY({codes_text(codes)}) or connection close"

    def on_frame(f):
        if f.type == RST_STREAM and f.stream == sid:
            if f.code in codes:
                return f.describe()
            fail(c, expected, "stopped at the RST_STREAM with the wrong error code")
        if f.type == GOAWAY:
            return _goaway_code(c, expected, f, codes)

    return expect(c, expected, on_frame, lambda: f"connection closed ({c.closed})")


def ping_answered(c, also, stops, on_closed=None):
    """Sends a PING: its ACK with the same payload is the verdict; a frame before it that `stops` fails the case,
    and so does the close unless `on_closed` (see `expect`). `also` completes the expectation's text."""
    payload = c.next_ping_payload()
    c.send_ping(payload)
    expected = f"PING(ACK, {payload!r}) {also}"

    def on_frame(f):
        if f.type == PING and f.ack and f.payload == payload:
            return f.describe()
        if stops(f):
            fail(c, expected, f"stopped at the {type_name(f.type)}")

    return expect(c, expected, on_frame, on_closed)


def ignored(c):
    """The server carries on: a PING is answered with the same payload, no RST_STREAM or GOAWAY first."""
    return ping_answered(c, "and no RST_STREAM/GOAWAY", lambda f: f.type in (GOAWAY, RST_STREAM))


def response(c, sid, status="200"):
    """A final response HEADERS on `sid` (status None: any status)."""
    expected = f"response HEADERS(s{sid}" + (f", :status {status})" if status else ", any :status)")

    def on_frame(f):
        if f.type == HEADERS and f.stream == sid:
            if f.decode_error:
                fail(c, expected, "the response field block does not decode")
            got = f.status()
            if got and got.startswith("1"):
                return None
            if status is None or got == status:
                return f.describe()
            fail(c, expected, f"stopped at :status {got}")
        if f.type == RST_STREAM and f.stream == sid:
            fail(c, expected, "stopped at the RST_STREAM")
        if f.type == GOAWAY and (f.code != NO_ERROR or (f.last_stream or 0) < sid):
            fail(c, expected, "stopped at the GOAWAY")

    return expect(c, expected, on_frame)


def _on_stream(c, expected, sid, matches):
    """The first frame that `matches`; a RST_STREAM on `sid`, a GOAWAY or the close before it fails."""
    def on_frame(f):
        if matches(f):
            return f.describe()
        if (f.type == RST_STREAM and f.stream == sid) or f.type == GOAWAY:
            fail(c, expected, "stopped there")

    return expect(c, expected, on_frame)


def response_end(c, sid):
    """Reads the whole response on `sid` (up to END_STREAM)."""
    return _on_stream(c, f"a complete response on s{sid} (END_STREAM)", sid, lambda f: f.stream == sid and f.end_stream)


def data_frame(c, sid, length):
    """The next DATA frame on `sid` carries exactly `length` octets (a flow-control window's worth)."""
    expected = f"DATA(s{sid}) with {length} octet(s)"

    def matches(f):
        if f.type == DATA and f.stream == sid:
            if len(f.data) == length:
                return True
            fail(c, expected, f"stopped at a DATA frame of {len(f.data)} octets")
        return False

    return _on_stream(c, expected, sid, matches)


def awaited(c, expected, matches):
    """The first frame that `matches`; a GOAWAY or the close before it fails."""
    return expect(c, expected, lambda f: f.describe() if matches(f) else (
        fail(c, expected, "stopped there") if f.type == GOAWAY else None))


def settings_ack(c):
    return awaited(c, "SETTINGS(ACK)", lambda f: f.type == SETTINGS and f.ack)


def closed(c, expected="the connection closed"):
    return expect(c, expected, lambda f: None, lambda: ", ".join(g for g in c.got if g.startswith("GOAWAY")) + (
        " then " if any(g.startswith("GOAWAY") for g in c.got) else "") + f"connection closed ({c.closed})")
