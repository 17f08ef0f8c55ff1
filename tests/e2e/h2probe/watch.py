"""`Watch`: one attacking connection and what the server did to it -- GOAWAY (and its code), resets, responses, and
when it closed, in seconds from the probe's start -- summed up in the fields of a RESULT line."""
import time
from collections import Counter

from h2conformance.client import Closed, Target, Timeout
from h2conformance.frames import GOAWAY, HEADERS, RST_STREAM, err_name

HOST = "127.0.0.1"  # the probes attack this machine only: there is no option to aim them elsewhere
CLOSE_WAIT = 1.0    # seconds a probe, done sending, waits for the server to end the connection


class Watch:
    def __init__(self, port, tls, path):
        self.t0 = time.monotonic()  # before connecting: closed_at counts the handshake, as a client would see it
        self.target = Target(HOST, port, tls=tls, path=path)
        self.conn = self.target.open()
        self.goaway = None          # the server's GOAWAY frame, if it sent one
        self.resets = Counter()     # RST_STREAM error names -> count
        self.responses = 0
        self.closed_at = None       # seconds from t0 when the server closed (EOF or reset), None while open

    @property
    def alive(self):
        """The server has neither closed the connection nor refused a send: the attack can go on."""
        return self.closed_at is None and not self.conn.send_error

    def elapsed(self):
        return time.monotonic() - self.t0

    def send(self, data, note):
        """Sends, unless the connection is already known to be over; False once it is."""
        if self.alive:
            self.conn.send(data, note)  # never raises: a failed send sets conn.send_error
        return self.alive

    def read(self, seconds):
        """Reads what the server sends for up to `seconds`, stopping early when it closes."""
        deadline = time.monotonic() + seconds
        while self.closed_at is None:
            try:
                self._note(self.conn.read(deadline))
            except Timeout:
                return
            except Closed:
                self.closed_at = self.elapsed()

    def wait_close(self):
        self.read(CLOSE_WAIT)
        self.target.close_all()

    def _note(self, f):
        if f.type == GOAWAY:
            self.goaway = f
        elif f.type == RST_STREAM:
            self.resets[err_name(f.code)] += 1
        elif f.type == HEADERS and f.status():
            self.responses += 1

    def summary(self):
        """responses=N rst_from_server=... goaway=CODE(last=N) closed_at=S.SSs (or not_closed) [send_error='...']"""
        goaway = (f"{err_name(self.goaway.code)}(last={self.goaway.last_stream})"
                  if self.goaway and self.goaway.code is not None else "-")
        closed = f"closed_at={self.closed_at:.2f}s" if self.closed_at is not None else \
            f"not_closed (open after {self.elapsed():.1f}s)"
        fields = [f"responses={self.responses}", f"rst_from_server={dict(self.resets) or '-'}",
                  f"goaway={goaway}", closed]
        if self.conn.send_error:
            fields.append(f"send_error='{self.conn.send_error}'")
        return " ".join(fields)
