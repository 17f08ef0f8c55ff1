"""Cases for RFC 9113 6 (frame definitions): DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PING, GOAWAY,
WINDOW_UPDATE and flow control, CONTINUATION."""
import struct

from .client import CaseFailed
from .frames import (ACK, CANCEL, CONTINUATION, DATA, DEFAULT_MAX_FRAME, ENABLE_PUSH, END_HEADERS, END_STREAM,
                     FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR, GOAWAY, HEADERS, INITIAL_WINDOW_SIZE, MAX_CONCURRENT_STREAMS,
                     MAX_FRAME_SIZE, MAX_WINDOW, NO_ERROR, NO_RFC7540_PRIORITIES, PADDED, PING, PRIORITY,
                     PROTOCOL_ERROR, RST_STREAM, SETTINGS, SETTING_NAMES, STREAM_CLOSED, WINDOW_UPDATE, raw,
                     settings_payload)
from .shapes import answered, continuation, data, half_closed, open_stream, sends
from .suite import case
from .verdicts import connection_error, data_frame, expect, fail, ignored, response, settings_ack, stream_error


def settings(*pairs):
    """A SETTINGS frame with `pairs` as given (out-of-range values and repeats included)."""
    return raw(SETTINGS, 0, 0, settings_payload(pairs))


def split_block(c, end_stream=True):
    """Sends a GET's field block split after 2 octets: HEADERS without END_HEADERS; returns the rest."""
    block = c.encode(c.request())
    c.send_headers(1, block=block[:2], end_stream=end_stream, end_headers=False)
    return block[2:]


# 6.1 DATA

sends("http2/6.1/1", "Sends a DATA frame with stream identifier 0: connection error PROTOCOL_ERROR",
      raw(DATA, END_STREAM, 0, b"test"), connection_error, PROTOCOL_ERROR)
sends("http2/6.1/2", "Sends a DATA frame on a stream that is not open or half-closed (local): STREAM_CLOSED",
      data, stream_error, 1, STREAM_CLOSED, after=half_closed)
sends("http2/6.1/3", "Sends a DATA frame whose padding is as long as the payload: connection error PROTOCOL_ERROR",
      raw(DATA, PADDED | END_STREAM, 1, b"\x06test\x00"),  # pad length 6, 6 octets follow
      connection_error, PROTOCOL_ERROR, after=open_stream)
sends("http2/6.1/4", "Sends a padded DATA frame (valid padding): accepted (request served)",
      lambda c: c.send_data(1, b"test", pad=8), response, 1, None, after=open_stream)


# 6.2 HEADERS

sends("http2/6.2/1", "Sends a HEADERS without END_HEADERS followed by a PRIORITY frame: connection error "
                     "PROTOCOL_ERROR", lambda c: c.send_priority(1), connection_error, PROTOCOL_ERROR,
      after=lambda c: c.send_headers(1, end_headers=False))
sends("http2/6.2/2", "Sends a HEADERS without END_HEADERS followed by a DATA frame: connection error PROTOCOL_ERROR",
      data, connection_error, PROTOCOL_ERROR, after=lambda c: c.send_headers(1, end_stream=False, end_headers=False))
sends("http2/6.2/3", "Sends a HEADERS frame with stream identifier 0: connection error PROTOCOL_ERROR",
      lambda c: c.send(raw(HEADERS, END_STREAM | END_HEADERS, 0, c.encode(c.request()))),
      connection_error, PROTOCOL_ERROR)


@case("http2/6.2/4", "Sends a HEADERS frame whose padding exceeds the payload: connection error PROTOCOL_ERROR")
def _(t):
    c = t.open()
    block = c.encode(c.request())
    c.send(raw(HEADERS, PADDED | END_STREAM | END_HEADERS, 1, bytes([len(block) + 1]) + block))
    return connection_error(c, PROTOCOL_ERROR)


sends("http2/6.2/5", "Sends a padded HEADERS frame (valid padding): request served",
      lambda c: c.send_headers(1, pad=16), response, 1)
sends("http2/6.2/6", "Sends a HEADERS frame with the PRIORITY flag (depends on 0, weight 16): request served",
      lambda c: c.send_headers(1, priority=(0, 15, False)), response, 1)


# 6.3 PRIORITY

sends("http2/6.3/1", "Sends a PRIORITY frame with stream identifier 0: connection error PROTOCOL_ERROR",
      raw(PRIORITY, 0, 0, b"\x00\x00\x00\x00\x0f"), connection_error, PROTOCOL_ERROR)
sends("http2/6.3/2", "Sends a PRIORITY frame of length 4: stream error FRAME_SIZE_ERROR",
      raw(PRIORITY, 0, 1, b"\x00\x00\x00\x00"), stream_error, 1, FRAME_SIZE_ERROR, after=open_stream)
sends("http2/6.3/3", "Sends a PRIORITY frame on an idle stream (3), then a request on stream 5: request served",
      lambda c: c.send_headers(5), response, 5, after=lambda c: c.send_priority(3))
sends("http2/6.3/4", "Sends a PRIORITY frame on a closed stream: ignored",
      lambda c: c.send_priority(1), ignored, after=answered)


# 6.4 RST_STREAM

sends("http2/6.4/1", "Sends a RST_STREAM frame with stream identifier 0: connection error PROTOCOL_ERROR",
      raw(RST_STREAM, 0, 0, struct.pack(">I", CANCEL)), connection_error, PROTOCOL_ERROR)
sends("http2/6.4/2", "Sends a RST_STREAM frame on an idle stream: connection error PROTOCOL_ERROR",
      lambda c: c.send_rst(1, CANCEL), connection_error, PROTOCOL_ERROR)
sends("http2/6.4/3", "Sends a RST_STREAM frame of length 3: connection error FRAME_SIZE_ERROR",
      raw(RST_STREAM, 0, 1, b"\x00\x00\x08"), connection_error, FRAME_SIZE_ERROR, after=open_stream)


# 6.5 SETTINGS

sends("http2/6.5/1", "Sends a SETTINGS ACK with a payload: connection error FRAME_SIZE_ERROR",
      raw(SETTINGS, ACK, 0, settings_payload([(INITIAL_WINDOW_SIZE, 100)])), connection_error, FRAME_SIZE_ERROR)
sends("http2/6.5/2", "Sends a SETTINGS frame with stream identifier 1: connection error PROTOCOL_ERROR",
      raw(SETTINGS, 0, 1, settings_payload([(INITIAL_WINDOW_SIZE, 100)])), connection_error, PROTOCOL_ERROR)
sends("http2/6.5/3", "Sends a SETTINGS frame of length 3 (not a multiple of 6): connection error FRAME_SIZE_ERROR",
      raw(SETTINGS, 0, 0, b"\x00\x03\x00"), connection_error, FRAME_SIZE_ERROR)


# 6.5.2 defined settings

sends("http2/6.5.2/1", "Sends SETTINGS_ENABLE_PUSH=2: connection error PROTOCOL_ERROR",
      settings((ENABLE_PUSH, 2)), connection_error, PROTOCOL_ERROR)
sends("http2/6.5.2/2", "Sends SETTINGS_INITIAL_WINDOW_SIZE=2^31: connection error FLOW_CONTROL_ERROR",
      settings((INITIAL_WINDOW_SIZE, 2 ** 31)), connection_error, FLOW_CONTROL_ERROR)
sends("http2/6.5.2/3", "Sends SETTINGS_MAX_FRAME_SIZE=16383: connection error PROTOCOL_ERROR",
      settings((MAX_FRAME_SIZE, 16383)), connection_error, PROTOCOL_ERROR)
sends("http2/6.5.2/4", "Sends SETTINGS_MAX_FRAME_SIZE=2^24: connection error PROTOCOL_ERROR",
      settings((MAX_FRAME_SIZE, 2 ** 24)), connection_error, PROTOCOL_ERROR)


@case("http2/6.5.2/5", "Sends an unknown setting (0xFF): ignored, SETTINGS ACKed")
def _(t):
    c = t.open()
    c.send(settings((0xFF, 1)))
    settings_ack(c)
    return ignored(c)


sends("http2/6.5.2/6", "Sends SETTINGS_NO_RFC7540_PRIORITIES=2: connection error PROTOCOL_ERROR (RFC 9218 2.1)",
      settings((NO_RFC7540_PRIORITIES, 2)), connection_error, PROTOCOL_ERROR)


@case("http2/6.5.2/7", "The server's SETTINGS are valid: ENABLE_PUSH not 1, windows and frame size in range, "
                       "NO_RFC7540_PRIORITIES 0 or 1")
def _(t):
    c = t.open()
    s = c.server_settings
    problems = []
    if s.get(ENABLE_PUSH, 0) != 0 and ENABLE_PUSH in s:
        problems.append(f"ENABLE_PUSH={s[ENABLE_PUSH]} (RFC 9113 6.5.2: a server MUST NOT set it to 1)")
    if s.get(INITIAL_WINDOW_SIZE, 0) > MAX_WINDOW:
        problems.append(f"INITIAL_WINDOW_SIZE={s[INITIAL_WINDOW_SIZE]}")
    if not DEFAULT_MAX_FRAME <= s.get(MAX_FRAME_SIZE, DEFAULT_MAX_FRAME) <= 2 ** 24 - 1:
        problems.append(f"MAX_FRAME_SIZE={s[MAX_FRAME_SIZE]}")
    if s.get(NO_RFC7540_PRIORITIES, 0) not in (0, 1):
        problems.append(f"NO_RFC7540_PRIORITIES={s[NO_RFC7540_PRIORITIES]}")
    text = ", ".join(f"{SETTING_NAMES.get(k, hex(k))}={v}" for k, v in sorted(s.items())) or "empty"
    if problems:
        raise CaseFailed(f"server SETTINGS({text}): {'; '.join(problems)}")
    return f"SETTINGS({text})"


# 6.5.3 settings synchronization

@case("http2/6.5.3/1", "Sends SETTINGS_INITIAL_WINDOW_SIZE twice in one frame (100, then 1): the last applies, "
                       "1-octet DATA")
def _(t):
    c = t.open()
    c.send(settings((INITIAL_WINDOW_SIZE, 100), (INITIAL_WINDOW_SIZE, 1)),
           "SETTINGS(INITIAL_WINDOW_SIZE=100, INITIAL_WINDOW_SIZE=1)")
    c.send_headers(1)
    return data_frame(c, 1, 1)


sends("http2/6.5.3/2", "Sends a SETTINGS frame: the server answers with SETTINGS ACK",
      lambda c: c.send_settings([(INITIAL_WINDOW_SIZE, 65535), (MAX_CONCURRENT_STREAMS, 100)]), settings_ack)


# 6.7 PING

@case("http2/6.7/1", "Sends a PING: PING ACK with the same payload")
def _(t):
    return ignored(t.open())


@case("http2/6.7/2", "Sends a PING ACK: not answered (the next PING's ACK comes first and alone)")
def _(t):
    c = t.open()
    stray = b"unsolici"
    c.send_ping(stray, ack=True)
    payload = c.next_ping_payload()
    c.send_ping(payload)
    expected = f"PING(ACK, {payload!r}) and nothing echoing {stray!r}"

    def on_frame(f):
        if f.type == PING and stray in f.payload:
            fail(c, expected, "stopped at the PING answering our ACK")
        if f.type == PING and f.ack and f.payload == payload:
            return f.describe()
        if f.type == GOAWAY:
            fail(c, expected, "stopped at the GOAWAY")

    return expect(c, expected, on_frame)


sends("http2/6.7/3", "Sends a PING with stream identifier 1: connection error PROTOCOL_ERROR",
      raw(PING, 0, 1, b"\x00" * 8), connection_error, PROTOCOL_ERROR)
sends("http2/6.7/4", "Sends a PING of length 6: connection error FRAME_SIZE_ERROR",
      raw(PING, 0, 0, b"\x00" * 6), connection_error, FRAME_SIZE_ERROR)


# 6.8 GOAWAY

sends("http2/6.8/1", "Sends a GOAWAY frame with stream identifier 1: connection error PROTOCOL_ERROR",
      lambda c: c.send_goaway(0, NO_ERROR, sid=1), connection_error, PROTOCOL_ERROR)


# 6.9 WINDOW_UPDATE

sends("http2/6.9/1", "Sends a connection WINDOW_UPDATE with increment 0: connection error PROTOCOL_ERROR",
      raw(WINDOW_UPDATE, 0, 0, b"\x00\x00\x00\x00"), connection_error, PROTOCOL_ERROR, note="WINDOW_UPDATE(s0, +0)")
sends("http2/6.9/2", "Sends a stream WINDOW_UPDATE with increment 0: stream error PROTOCOL_ERROR",
      raw(WINDOW_UPDATE, 0, 1, b"\x00\x00\x00\x00"), stream_error, 1, PROTOCOL_ERROR, after=open_stream,
      note="WINDOW_UPDATE(s1, +0)")
sends("http2/6.9/3", "Sends a WINDOW_UPDATE of length 3: connection error FRAME_SIZE_ERROR",
      raw(WINDOW_UPDATE, 0, 0, b"\x00\x00\x01"), connection_error, FRAME_SIZE_ERROR)


@case("http2/6.9/4", "Sends a WINDOW_UPDATE on a half-closed (remote) stream: allowed, request served")
def _(t):
    c = t.open()
    half_closed(c)
    c.send_window_update(1, 1000)
    response(c, 1)
    return ignored(c)


# 6.9.1 the flow-control window

@case("http2/6.9.1/1", "Sends SETTINGS_INITIAL_WINDOW_SIZE=1, then a request: the server sends a 1-octet DATA frame")
def _(t):
    c = t.open()
    c.send_settings([(INITIAL_WINDOW_SIZE, 1)])
    c.send_headers(1)
    return data_frame(c, 1, 1)


@case("http2/6.9.1/2", "Sends connection WINDOW_UPDATEs beyond 2^31-1: connection error FLOW_CONTROL_ERROR")
def _(t):
    c = t.open()
    c.send_window_update(0, MAX_WINDOW)
    c.send_window_update(0, MAX_WINDOW)
    return connection_error(c, FLOW_CONTROL_ERROR)


@case("http2/6.9.1/3", "Sends stream WINDOW_UPDATEs beyond 2^31-1: stream error FLOW_CONTROL_ERROR")
def _(t):
    c = t.open()
    open_stream(c)
    c.send_window_update(1, MAX_WINDOW)
    c.send_window_update(1, MAX_WINDOW)
    return stream_error(c, 1, FLOW_CONTROL_ERROR)


# 6.9.2 initial flow-control window size

@case("http2/6.9.2/1", "Changes SETTINGS_INITIAL_WINDOW_SIZE from 0 to 1 after the request: 1-octet DATA")
def _(t):
    c = t.open()
    c.send_settings([(INITIAL_WINDOW_SIZE, 0)])
    c.send_headers(1)
    response(c, 1)
    c.send_settings([(INITIAL_WINDOW_SIZE, 1)])
    return data_frame(c, 1, 1)


@case("http2/6.9.2/2", "A SETTINGS change makes a stream window negative (3 sent, window 3 -> 2): WINDOW_UPDATE +2 "
                       "allows exactly 1 octet")
def _(t):
    c = t.open()
    c.send_settings([(INITIAL_WINDOW_SIZE, 3)])
    c.send_headers(1)
    data_frame(c, 1, 3)
    c.send_settings([(INITIAL_WINDOW_SIZE, 2)])  # the stream window is now 2 - 3 = -1
    settings_ack(c)
    c.send_window_update(1, 2)
    return data_frame(c, 1, 1)


@case("http2/6.9.2/3", "A SETTINGS_INITIAL_WINDOW_SIZE change that takes an open stream's window past 2^31-1: "
                       "connection error FLOW_CONTROL_ERROR")
def _(t):
    c = t.open()
    open_stream(c)
    c.send_window_update(1, MAX_WINDOW - 65535)  # the stream window is now 2^31-1
    c.send_settings([(INITIAL_WINDOW_SIZE, 65536)])
    return connection_error(c, FLOW_CONTROL_ERROR)


# 6.10 CONTINUATION

@case("http2/6.10/1", "Sends a HEADERS followed by two CONTINUATION frames: request served")
def _(t):
    c = t.open()
    rest = split_block(c)
    c.send_continuation(1, rest[:2], end_headers=False)
    c.send_continuation(1, rest[2:])
    return response(c, 1)


@case("http2/6.10/2", "Sends a CONTINUATION without END_HEADERS followed by a DATA frame: connection error "
                      "PROTOCOL_ERROR")
def _(t):
    c = t.open()
    c.send_continuation(1, split_block(c, end_stream=False), end_headers=False)
    data(c)
    return connection_error(c, PROTOCOL_ERROR)


sends("http2/6.10/3", "Sends a CONTINUATION frame with stream identifier 0: connection error PROTOCOL_ERROR",
      lambda c: c.send(raw(CONTINUATION, END_HEADERS, 0, split_block(c))), connection_error, PROTOCOL_ERROR)
sends("http2/6.10/4", "Sends a CONTINUATION after a HEADERS with END_HEADERS: connection error PROTOCOL_ERROR",
      continuation, connection_error, PROTOCOL_ERROR, after=open_stream)
sends("http2/6.10/5", "Sends a CONTINUATION after a CONTINUATION with END_HEADERS: connection error PROTOCOL_ERROR",
      continuation, connection_error, PROTOCOL_ERROR,
      after=lambda c: c.send_continuation(1, split_block(c, end_stream=False)))


@case("http2/6.10/6", "Sends a CONTINUATION after a DATA frame: connection error PROTOCOL_ERROR")
def _(t):
    c = t.open()
    open_stream(c)
    c.send_data(1, b"test", end_stream=False)
    continuation(c)
    return connection_error(c, PROTOCOL_ERROR)


sends("http2/6.10/7", "Sends a CONTINUATION for another stream in the middle of a header block: connection error "
                      "PROTOCOL_ERROR", lambda c: c.send_continuation(3, split_block(c)), connection_error,
      PROTOCOL_ERROR)
