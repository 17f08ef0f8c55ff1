"""HTTP/2 defences beyond what nghttp2 1.52 does, over raw frames: the SETTINGS-ACK deadline, the
per-stream write-progress and request deadlines, the server-reset budget (MadeYouReset), work for
reset streams dropped (Rapid Reset), streams per connection and the idle timeout. Each is checked
by its effect on the wire and by its counter in /metrics."""
import re
import time
import urllib.request

import pytest

import hyperframe  # noqa: F401
import hpack  # noqa: F401
from h2conformance.client import Target  # noqa: E402
from h2conformance.frames import (CANCEL, DATA, END_HEADERS, END_STREAM, GOAWAY, HEADERS,  # noqa: E402
                                  INITIAL_WINDOW_SIZE, PING, RST_STREAM, err_name, raw)

PATH = "/health/live"


def connect(server, settings=(), acknowledge=True):
    """A raw HTTP/2 connection (h2conformance's client), the preface and `settings` sent, nothing awaited; reads
    wait 5 s unless told. With `acknowledge=False` the server's SETTINGS are never acknowledged."""
    c = Target("127.0.0.1", server.port, timeout=5).conn(acknowledge)
    c.send_preface(settings)
    return c


def get(c, sid, extra=()):
    """The HEADERS frame of a GET of PATH (plus `extra`) on `sid`, as octets, so that several go in one write."""
    return raw(HEADERS, END_STREAM | END_HEADERS, sid, c.encode(c.request(PATH, extra=extra)))


def reset(sid):
    return raw(RST_STREAM, 0, sid, CANCEL.to_bytes(4, "big"))


def pong(c, timeout=5):
    """Sends a PING and waits for its ACK: proof the connection is still served."""
    payload = c.next_ping_payload()
    c.send_ping(payload)
    return c.until(lambda f: f.type == PING and f.ack and f.payload == payload, timeout) is not None


def next_goaway(c, timeout=5):
    return c.until(lambda f: f.type == GOAWAY, timeout)


def is_rst(sid):
    return lambda f: f.type == RST_STREAM and f.stream == sid


def status_of(sid):
    return lambda f: f.type == HEADERS and f.stream == sid


def metric(server, name):
    text = urllib.request.urlopen(server.url + "/metrics", timeout=5).read().decode()
    m = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def requests_counted(server, path):
    return metric(server, f'fraudscore_request_duration_seconds_count{{route="{path}",method="GET"}}')


def test_unacknowledged_settings_end_the_connection(start_server):
    server = start_server("--port", "0", "--http2-settings-ack-timeout-ms", "300")
    polite = connect(server)
    assert pong(polite)  # reading the server's SETTINGS acknowledges them
    silent = connect(server, acknowledge=False)
    started = time.monotonic()
    goaway = next_goaway(silent, timeout=5)
    assert goaway is not None and err_name(goaway.code) == "SETTINGS_TIMEOUT"
    assert 0.25 <= time.monotonic() - started < 2
    assert silent.closed_within(2)
    assert pong(polite), "a client that acknowledged is still served"
    assert metric(server, "fraudscore_http2_settings_timeouts_total") == 1
    assert server.stop() == 0


def test_a_response_that_cannot_move_is_reset(start_server):
    server = start_server("--port", "0", "--write-timeout-ms", "300")
    c = connect(server, settings=[(INITIAL_WINDOW_SIZE, 0)])  # no room for any DATA
    c.send(get(c, 1))
    head = c.until(status_of(1))
    assert head.status() == "200"
    started = time.monotonic()
    rst = c.until(is_rst(1), timeout=5)
    assert rst is not None and err_name(rst.code) == "CANCEL"
    assert 0.25 <= time.monotonic() - started < 2
    assert pong(c), "only the stream is reset, not the connection"
    assert metric(server, 'fraudscore_http2_stream_timeouts_total{reason="write"}') == 1
    assert server.stop() == 0


def test_a_request_body_that_never_comes_gets_408(start_server):
    server = start_server("--port", "0", "--body-timeout-ms", "300")
    c = connect(server)
    c.send_headers(1, headers=c.request("/predict", "POST", extra=[("content-type", "application/json")]),
                   end_stream=False)
    head = c.until(status_of(1), timeout=5)
    assert head is not None and head.status() == "408"
    body = c.until(lambda f: f.type == DATA and f.stream == 1)
    assert b"Request not complete within 300 ms" in body.data
    # The answer came first; then the client is told to stop sending the body (RFC 9113 §8.1).
    assert err_name(c.until(is_rst(1)).code) == "NO_ERROR"
    assert pong(c)
    assert metric(server, 'fraudscore_http2_stream_timeouts_total{reason="request"}') == 1
    assert server.stop() == 0


def test_provoked_stream_resets_are_budgeted(start_server):
    # Each request carries an upper-case header name: nghttp2 resets that stream (PROTOCOL_ERROR),
    # the connection lives on. Past the budget the connection is the one that ends.
    server = start_server("--port", "0", "--http2-server-reset-burst", "10", "--http2-server-reset-rate", "1")
    c = connect(server)
    c.send(get(c, 1, extra=[("X-Bad", "1")]))
    assert err_name(c.until(is_rst(1)).code) == "PROTOCOL_ERROR"
    assert pong(c), "one reset is within the budget"
    c.send(b"".join(get(c, sid, extra=[("X-Bad", "1")]) for sid in range(3, 63, 2)))
    goaway = next_goaway(c, timeout=5)
    assert goaway is not None and err_name(goaway.code) == "ENHANCE_YOUR_CALM"
    assert c.closed_within(2)
    assert metric(server, "fraudscore_http2_server_reset_closes_total") == 1
    assert server.stop() == 0


def test_a_request_reset_in_the_same_read_is_not_answered(start_server):
    server = start_server("--port", "0")
    c = connect(server)
    assert pong(c)
    before = requests_counted(server, "/health/live")
    # 50 complete requests, each cancelled right behind itself, in one write: nothing to answer.
    c.send(b"".join(get(c, sid) + reset(sid) for sid in range(1, 101, 2)))
    assert pong(c)
    # A loopback write this small arrives in one read; were it ever split, one pair could straddle.
    assert requests_counted(server, "/health/live") - before <= 1
    c.send(get(c, 101))
    assert c.until(status_of(101)).status() == "200"
    assert requests_counted(server, "/health/live") - before in (1, 2)
    assert server.stop() == 0


def test_streams_per_connection_end_with_a_graceful_goaway(start_server):
    server = start_server("--port", "0", "--max-requests-per-connection", "3")
    c = connect(server)
    for sid in (1, 3, 5):
        c.send(get(c, sid))
        if sid < 5:
            assert c.until(status_of(sid)).status() == "200"
    seen = []
    goaway = c.until(lambda f: seen.append(f) or f.type == GOAWAY)
    assert goaway is not None and err_name(goaway.code) == "NO_ERROR" and goaway.last_stream == 5
    assert any(f.type == HEADERS and f.stream == 5 for f in seen + [c.until(status_of(5), 1)] if f)
    assert c.closed_within(3)
    assert server.stop() == 0


def test_an_idle_connection_gets_goaway_and_closes(start_server):
    server = start_server("--port", "0", "--idle-timeout-ms", "300")
    c = connect(server)
    assert pong(c)
    started = time.monotonic()
    goaway = next_goaway(c, timeout=5)
    assert goaway is not None and err_name(goaway.code) == "NO_ERROR"
    assert 0.25 <= time.monotonic() - started < 2
    assert c.closed_within(3)
    assert server.stop() == 0
