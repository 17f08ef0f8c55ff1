"""HTTP/2 defences beyond what nghttp2 1.52 does, over raw frames: the SETTINGS-ACK deadline, the
per-stream write-progress and request deadlines, the server-reset budget (MadeYouReset), work for
reset streams dropped (Rapid Reset), streams per connection and the idle timeout. Each is checked
by its effect on the wire and by its counter in /metrics."""
import re
import time
import urllib.request

import pytest

pytest.importorskip("hyperframe")
from h2frames import ERRORS, DataFrame, GoAwayFrame, H2Client, HeadersFrame, is_rst, status_of  # noqa: E402

INITIAL_WINDOW_SIZE = 0x4


def metric(server, name):
    text = urllib.request.urlopen(server.url + "/metrics", timeout=5).read().decode()
    m = re.search(rf"^{re.escape(name)} (\d+)$", text, re.M)
    return int(m.group(1)) if m else 0


def requests_counted(server, path):
    return metric(server, f'fraudscore_request_duration_seconds_count{{route="{path}",method="GET"}}')


def test_unacknowledged_settings_end_the_connection(start_server):
    server = start_server("--port", "0", "--http2-settings-ack-timeout-ms", "300")
    polite = H2Client(server.port)
    assert polite.pong()  # reading the server's SETTINGS acknowledges them
    silent = H2Client(server.port, ack=False)
    started = time.monotonic()
    goaway = silent.goaway(timeout=5)
    assert goaway is not None and ERRORS[goaway.error_code] == "SETTINGS_TIMEOUT"
    assert 0.25 <= time.monotonic() - started < 2
    assert silent.closed_within(2)
    assert polite.pong(), "a client that acknowledged is still served"
    assert metric(server, "fraudscore_http2_settings_timeouts_total") == 1
    assert server.stop() == 0


def test_a_response_that_cannot_move_is_reset(start_server):
    server = start_server("--port", "0", "--write-timeout-ms", "300")
    c = H2Client(server.port, settings={INITIAL_WINDOW_SIZE: 0})  # no room for any DATA
    c.send(c.headers(1, "GET", "/health/live"))
    head = c.until(status_of(1))
    assert dict(head.decoded)[":status"] == "200"
    started = time.monotonic()
    rst = c.until(is_rst(1), timeout=5)
    assert rst is not None and ERRORS[rst.error_code] == "CANCEL"
    assert 0.25 <= time.monotonic() - started < 2
    assert c.pong(), "only the stream is reset, not the connection"
    assert metric(server, 'fraudscore_http2_stream_timeouts_total{reason="write"}') == 1
    assert server.stop() == 0


def test_a_request_body_that_never_comes_gets_408(start_server):
    server = start_server("--port", "0", "--body-timeout-ms", "300")
    c = H2Client(server.port)
    c.send(c.headers(1, "POST", "/predict", extra=[("content-type", "application/json")], end_stream=False))
    head = c.until(status_of(1), timeout=5)
    assert head is not None and dict(head.decoded)[":status"] == "408"
    body = c.until(lambda f: isinstance(f, DataFrame) and f.stream_id == 1)
    assert b"Request not complete within 300 ms" in body.data
    # The answer came first; then the client is told to stop sending the body (RFC 9113 §8.1).
    assert ERRORS[c.until(is_rst(1)).error_code] == "NO_ERROR"
    assert c.pong()
    assert metric(server, 'fraudscore_http2_stream_timeouts_total{reason="request"}') == 1
    assert server.stop() == 0


def test_provoked_stream_resets_are_budgeted(start_server):
    # Each request carries an upper-case header name: nghttp2 resets that stream (PROTOCOL_ERROR),
    # the connection lives on. Past the budget the connection is the one that ends.
    server = start_server("--port", "0", "--http2-server-reset-burst", "10", "--http2-server-reset-rate", "1")
    c = H2Client(server.port)
    c.send(c.headers(1, "GET", "/health/live", extra=[("X-Bad", "1")]))
    assert ERRORS[c.until(is_rst(1)).error_code] == "PROTOCOL_ERROR"
    assert c.pong(), "one reset is within the budget"
    c.send(b"".join(c.headers(sid, "GET", "/health/live", extra=[("X-Bad", "1")]) for sid in range(3, 63, 2)))
    goaway = c.goaway(timeout=5)
    assert goaway is not None and ERRORS[goaway.error_code] == "ENHANCE_YOUR_CALM"
    assert c.closed_within(2)
    assert metric(server, "fraudscore_http2_server_reset_closes_total") == 1
    assert server.stop() == 0


def test_a_request_reset_in_the_same_read_is_not_answered(start_server):
    server = start_server("--port", "0")
    c = H2Client(server.port)
    assert c.pong()
    before = requests_counted(server, "/health/live")
    # 50 complete requests, each cancelled right behind itself, in one write: nothing to answer.
    c.send(b"".join(c.headers(sid, "GET", "/health/live") + c.rst(sid) for sid in range(1, 101, 2)))
    assert c.pong()
    # A loopback write this small arrives in one read; were it ever split, one pair could straddle.
    assert requests_counted(server, "/health/live") - before <= 1
    c.send(c.headers(101, "GET", "/health/live"))
    assert dict(c.until(status_of(101)).decoded)[":status"] == "200"
    assert requests_counted(server, "/health/live") - before in (1, 2)
    assert server.stop() == 0


def test_streams_per_connection_end_with_a_graceful_goaway(start_server):
    server = start_server("--port", "0", "--max-requests-per-connection", "3")
    c = H2Client(server.port)
    for sid in (1, 3, 5):
        c.send(c.headers(sid, "GET", "/health/live"))
        if sid < 5:
            assert dict(c.until(status_of(sid)).decoded)[":status"] == "200"
    seen = []
    goaway = c.until(lambda f: seen.append(f) or isinstance(f, GoAwayFrame))
    assert goaway is not None and ERRORS[goaway.error_code] == "NO_ERROR" and goaway.last_stream_id == 5
    assert any(isinstance(f, HeadersFrame) and f.stream_id == 5 for f in seen + [c.until(status_of(5), 1)] if f)
    assert c.closed_within(3)
    assert server.stop() == 0


def test_an_idle_connection_gets_goaway_and_closes(start_server):
    server = start_server("--port", "0", "--idle-timeout-ms", "300")
    c = H2Client(server.port)
    assert c.pong()
    started = time.monotonic()
    goaway = c.goaway(timeout=5)
    assert goaway is not None and ERRORS[goaway.error_code] == "NO_ERROR"
    assert 0.25 <= time.monotonic() - started < 2
    assert c.closed_within(3)
    assert server.stop() == 0
