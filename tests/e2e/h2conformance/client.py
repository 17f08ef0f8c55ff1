"""The connection: `Target` (where and how to connect, and the request a case sends by default) and `Conn`, one
connection that sends frames (built with hyperframe, or as given) and reads them back as `Frame`s. Sends never
raise (the server may already have closed; reading tells); reads are bounded by a deadline and raise `Timeout` or
`Closed`. Cases fail with `CaseFailed` or are skipped with `Skip`."""
import socket
import ssl
import struct
import time

from hpack import Decoder, Encoder
from hyperframe.frame import (ContinuationFrame, DataFrame, GoAwayFrame, HeadersFrame, PingFrame, PriorityFrame,
                              RstStreamFrame, SettingsFrame, WindowUpdateFrame)

from .frames import (CONTINUATION, END_HEADERS, GOAWAY, HEADERS, PING, PREFACE, PUSH_PROMISE, SETTING_NAMES,
                     SETTINGS, Frame, describe_outgoing, err_name, fields_text, raw)


class Closed(Exception):
    pass


class Timeout(Exception):
    pass


class CaseFailed(Exception):
    pass


class Skip(Exception):
    pass


# --- the connection

class Target:
    def __init__(self, host, port, tls=False, path="/health/live", timeout=2.0):
        self.host, self.port, self.tls, self.path, self.timeout = host, port, tls, path, timeout
        self.scheme = "https" if tls else "http"
        self.authority = host
        self.conns = []

    def request(self, path=None, method="GET", extra=()):
        """The fields of a GET of --path (plus `extra`), pseudo-headers first."""
        return [(":method", method), (":scheme", self.scheme), (":authority", self.authority),
                (":path", path or self.path), *extra]

    def conn(self, acknowledge=True):
        """A connected socket wrapped in a Conn: nothing sent yet (see Conn for `acknowledge`)."""
        c = Conn(self, acknowledge)
        self.conns.append(c)
        return c

    def open(self, settings=()):
        """A connection with the preface exchanged: our SETTINGS acknowledged, the server's acknowledged."""
        c = self.conn()
        c.handshake(settings)
        return c

    def close_all(self):
        for c in self.conns:
            c.close()
        self.conns = []


class Conn:
    """One connection. With `acknowledge=False` the server's SETTINGS are never acknowledged."""

    def __init__(self, target, acknowledge=True):
        self.t = target
        self.acknowledge = acknowledge
        try:
            sock = socket.create_connection((target.host, target.port), timeout=max(target.timeout, 5))
        except OSError as e:
            raise CaseFailed(f"cannot connect to {target.host}:{target.port}: {e!r}")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if target.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
            ctx.set_alpn_protocols(["h2"])
            try:
                sock = ctx.wrap_socket(sock, server_hostname="localhost")
            except (OSError, ssl.SSLError) as e:
                raise CaseFailed(f"TLS handshake failed: {e!r}")
            if sock.selected_alpn_protocol() != "h2":
                raise CaseFailed(f"ALPN selected {sock.selected_alpn_protocol()!r}, not 'h2'")
        self.sock = sock
        self.buf = bytearray()
        self.closed = None              # why the connection ended, once it has
        self.send_error = None
        self.enc, self.dec = Encoder(), Decoder()
        self.dec.max_header_list_size = 1 << 20
        self.server_settings = {}
        self.sent, self.got = [], []    # descriptions of the frames sent and received since the handshake
        self._ping = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending

    def send(self, data, note=None):
        self.sent.append(note or describe_outgoing(data))
        if self.send_error:
            return
        try:
            self.sock.settimeout(self.t.timeout)
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:  # the server may already have closed: reading tells
            self.send_error = f"{type(e).__name__} while sending"

    def request(self, path=None, method="GET", extra=()):
        return self.t.request(path, method, extra)

    def encode(self, headers, huffman=False):
        return self.enc.encode(headers, huffman=huffman)

    def send_headers(self, sid, headers=None, block=None, end_stream=True, end_headers=True, pad=None,
                     priority=None, note=None):
        """HEADERS on `sid`: `headers` encoded (a GET of --path by default) or a ready `block`."""
        if block is None:
            headers = headers if headers is not None else self.request()
            block = self.encode(headers)
            note = note or fields_text(headers)
        f = HeadersFrame(sid, data=block)
        flags = []
        if end_stream:
            f.flags.add("END_STREAM")
            flags.append("END_STREAM")
        if end_headers:
            f.flags.add("END_HEADERS")
            flags.append("END_HEADERS")
        if pad is not None:
            f.flags.add("PADDED")
            f.pad_length = pad
            flags.append(f"PADDED({pad})")
        if priority is not None:
            f.flags.add("PRIORITY")
            f.depends_on, f.stream_weight, f.exclusive = priority
            flags.append(f"PRIORITY(depends_on={priority[0]})")
        self.send(f.serialize(), f"HEADERS(s{sid}, {'|'.join(flags) or 'no flags'}, "
                                 f"{note or f'{len(block)}-byte block'})")

    def send_continuation(self, sid, block, end_headers=True):
        f = ContinuationFrame(sid, data=block)
        if end_headers:
            f.flags.add("END_HEADERS")
        self.send(f.serialize(), f"CONTINUATION(s{sid}, {'END_HEADERS' if end_headers else 'no flags'}, "
                                 f"{len(block)} bytes)")

    def send_data(self, sid, data, end_stream=True, pad=None):
        f = DataFrame(sid, data=data)
        if end_stream:
            f.flags.add("END_STREAM")
        if pad is not None:
            f.flags.add("PADDED")
            f.pad_length = pad
        self.send(f.serialize(), f"DATA(s{sid}, {len(data)} bytes{', END_STREAM' if end_stream else ''}"
                                 f"{f', PADDED({pad})' if pad is not None else ''})")

    def send_settings(self, pairs=(), ack=False):
        f = SettingsFrame(0, settings=dict(pairs))
        if ack:
            f.flags.add("ACK")
        self.send(f.serialize(), "SETTINGS(ACK)" if ack else "SETTINGS(" + ", ".join(
            f"{SETTING_NAMES.get(k, hex(k))}={v}" for k, v in pairs) + ")")

    def send_ping(self, payload, ack=False):
        f = PingFrame(0, opaque_data=payload)
        if ack:
            f.flags.add("ACK")
        self.send(f.serialize(), f"PING({'ACK, ' if ack else ''}{payload!r})")

    def send_rst(self, sid, code):
        self.send(RstStreamFrame(sid, error_code=code).serialize(), f"RST_STREAM(s{sid}, {err_name(code)})")

    def send_window_update(self, sid, increment):
        self.send(WindowUpdateFrame(sid, window_increment=increment).serialize(),
                  f"WINDOW_UPDATE(s{sid}, +{increment})")

    def send_priority(self, sid, depends_on=0, weight=15):
        self.send(PriorityFrame(sid, depends_on=depends_on, stream_weight=weight).serialize(),
                  f"PRIORITY(s{sid}, depends_on={depends_on})")

    def send_goaway(self, last, code, sid=0):
        if sid == 0:
            data = GoAwayFrame(0, last_stream_id=last, error_code=code).serialize()
        else:
            data = raw(GOAWAY, 0, sid, struct.pack(">II", last, code))
        self.send(data, f"GOAWAY(s{sid}, last_stream={last}, {err_name(code)})")

    def next_ping_payload(self):
        self._ping += 1
        return b"h2c" + struct.pack(">I", self._ping) + b"!"

    # -- receiving

    def _fill(self, deadline):
        if self.closed:
            raise Closed
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            raise Timeout
        except (OSError, ssl.SSLError) as e:
            self.closed = type(e).__name__
            raise Closed
        if not chunk:
            self.closed = "EOF"
            raise Closed
        self.buf += chunk

    def _frame(self, deadline):
        while len(self.buf) < 9:
            self._fill(deadline)
        n = int.from_bytes(self.buf[:3], "big")
        while len(self.buf) < 9 + n:
            self._fill(deadline)
        head, payload = self.buf[:9], self.buf[9:9 + n]
        del self.buf[:9 + n]
        return Frame(head[3], head[4], struct.unpack(">I", head[5:9])[0], payload)

    def read(self, deadline):
        """The next frame; a field block's CONTINUATIONs are joined to their HEADERS and decoded. SETTINGS
        and PING from the server are acknowledged, as any client would."""
        f = self._frame(deadline)
        if f.type in (HEADERS, PUSH_PROMISE):
            block = f.fragment()
            while not f.flags & END_HEADERS:
                c = self._frame(deadline)
                if c.type != CONTINUATION or c.stream != f.stream:
                    f.broken = f"field block interrupted by {c.describe()}"
                    break
                block += c.payload
                f.flags |= c.flags & END_HEADERS
            try:
                f.headers = [(n.decode("latin-1") if isinstance(n, bytes) else n,
                              v.decode("latin-1") if isinstance(v, bytes) else v)
                             for n, v in self.dec.decode(bytes(block), raw=True)]
            except Exception as e:  # noqa: BLE001 - the server's block is what is reported
                f.decode_error = f"{type(e).__name__}: {e}"
        elif f.type == SETTINGS and not f.ack:
            if len(f.payload) % 6:
                f.broken = "length not a multiple of 6"
            self.server_settings.update(f.settings)
            if self.acknowledge:
                self.send_settings(ack=True)
                self.sent.pop()  # the automatic ACK is not what the case sent
        elif f.type == PING and not f.ack:
            self.send_ping(f.payload[:8], ack=True)
            self.sent.pop()
        self.got.append(f.describe())
        return f

    def until(self, predicate, timeout=None):
        """The first frame that satisfies `predicate` within `timeout` seconds (the target's by default); None when
        the time is up or the connection closed first (the frames before are read and dropped)."""
        deadline = time.monotonic() + (self.t.timeout if timeout is None else timeout)
        while True:
            try:
                f = self.read(deadline)
            except (Timeout, Closed):
                return None
            if predicate(f):
                return f

    def closed_within(self, timeout):
        """True when the server closes the connection within `timeout` seconds (frames before it are dropped)."""
        self.until(lambda f: False, timeout)
        return self.closed is not None

    def send_preface(self, settings=()):
        self.send(PREFACE + SettingsFrame(0, settings=dict(settings)).serialize(), "preface + SETTINGS")

    def handshake(self, settings=()):
        self.send_preface(settings)
        deadline = time.monotonic() + self.t.timeout
        have_settings = have_ack = False
        first = True
        while not (have_settings and have_ack):
            try:
                f = self.read(deadline)
            except Timeout:
                raise CaseFailed(f"handshake: got {self.got or 'nothing'} then nothing within {self.t.timeout:g}s "
                                 f"(expected the server's SETTINGS and a SETTINGS ACK)")
            except Closed:
                raise CaseFailed(f"handshake: got {self.got or 'nothing'} then the connection closed ({self.closed})")
            if first and not (f.type == SETTINGS and not f.ack):
                raise CaseFailed(f"handshake: the server's first frame is {f.describe()}, not SETTINGS "
                                 f"(RFC 9113 3.4: the server connection preface is a SETTINGS frame)")
            first = False
            if f.type == SETTINGS:
                have_ack |= f.ack
                have_settings |= not f.ack
        self.sent.clear()
        self.got.clear()
        return self

    def setting(self, key, default):
        return self.server_settings.get(key, default)

