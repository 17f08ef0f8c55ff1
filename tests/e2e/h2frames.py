"""A raw HTTP/2 client for tests that must send what real clients never do: frames built with
hyperframe, header blocks with hpack, over a plain socket. Every read is bounded by a timeout."""
import socket
import time

from hpack import Decoder, Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame, PingFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
ERRORS = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR", 4: "SETTINGS_TIMEOUT",
          5: "STREAM_CLOSED", 6: "FRAME_SIZE_ERROR", 7: "REFUSED_STREAM", 8: "CANCEL", 9: "COMPRESSION_ERROR",
          10: "CONNECT_ERROR", 11: "ENHANCE_YOUR_CALM", 12: "INADEQUATE_SECURITY", 13: "HTTP_1_1_REQUIRED"}


class H2Client:
    """One connection. `settings` go in the client's first SETTINGS frame; with `ack=False` the
    server's SETTINGS are never acknowledged."""

    def __init__(self, port, settings=None, ack=True, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.encoder, self.decoder = Encoder(), Decoder()
        self.buffer = b""
        self.closed = False
        self.ack = ack
        self.send(PREFACE + SettingsFrame(0, settings=settings or {}).serialize())

    def send(self, data):
        self.sock.sendall(data)

    def headers(self, stream_id, method, path, extra=(), end_stream=True):
        block = self.encoder.encode([(":method", method), (":scheme", "http"), (":authority", "127.0.0.1"),
                                     (":path", path), *extra])
        f = HeadersFrame(stream_id, block)
        f.flags.add("END_HEADERS")
        if end_stream:
            f.flags.add("END_STREAM")
        return f.serialize()

    @staticmethod
    def data(stream_id, payload, end_stream=True):
        f = DataFrame(stream_id, payload)
        if end_stream:
            f.flags.add("END_STREAM")
        return f.serialize()

    @staticmethod
    def rst(stream_id, code=8):
        return RstStreamFrame(stream_id, error_code=code).serialize()

    @staticmethod
    def ping(payload=b"fraudscr"):
        return PingFrame(0, payload).serialize()

    def next_frame(self, timeout):
        """The next frame from the server, or None when the connection closed or `timeout` passed."""
        end = time.monotonic() + timeout
        while True:
            if len(self.buffer) >= 9:
                length = int.from_bytes(self.buffer[:3], "big")
                if len(self.buffer) >= 9 + length:
                    f, _ = Frame.parse_frame_header(memoryview(self.buffer[:9]))
                    f.parse_body(memoryview(self.buffer[9:9 + length]))
                    self.buffer = self.buffer[9 + length:]
                    if isinstance(f, SettingsFrame) and "ACK" not in f.flags and self.ack:
                        self.send(SettingsFrame(0, flags=["ACK"]).serialize())
                    if isinstance(f, (HeadersFrame, ContinuationFrame)):
                        f.decoded = self.decoder.decode(f.data) if isinstance(f, HeadersFrame) else []
                    return f
            left = end - time.monotonic()
            if left <= 0 or self.closed:
                return None
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            except OSError:
                chunk = b""
            if not chunk:
                self.closed = True
            self.buffer += chunk

    def until(self, predicate, timeout=5):
        """Reads frames until one satisfies `predicate` (returned) or the time is up (None)."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0:
            f = self.next_frame(left)
            if f is None:
                return None
            if predicate(f):
                return f
        return None

    def goaway(self, timeout=5):
        return self.until(lambda f: isinstance(f, GoAwayFrame), timeout)

    def closed_within(self, timeout):
        """True when the server closes the connection within `timeout` (frames before it are dropped)."""
        end = time.monotonic() + timeout
        while (left := end - time.monotonic()) > 0 and not self.closed:
            self.next_frame(left)
        return self.closed

    def pong(self, timeout=5):
        """Sends a PING and waits for its ACK: proof the connection is still served."""
        self.send(self.ping())
        return self.until(lambda f: isinstance(f, PingFrame) and "ACK" in f.flags, timeout) is not None

    def close(self):
        self.sock.close()


def is_rst(stream_id):
    return lambda f: isinstance(f, RstStreamFrame) and f.stream_id == stream_id


def status_of(stream_id):
    return lambda f: isinstance(f, HeadersFrame) and f.stream_id == stream_id


__all__ = ["H2Client", "ERRORS", "GoAwayFrame", "HeadersFrame", "DataFrame", "RstStreamFrame", "WindowUpdateFrame",
           "is_rst", "status_of"]
