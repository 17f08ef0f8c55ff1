"""What goes on the wire: frame types, flags, error codes and settings; frames built by hand, valid or not (`raw`);
HPACK by hand (RFC 7541) for blocks the encoder would never produce; frames received (`Frame`) and short
descriptions of frames either way, for the cases' details."""
import struct


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
TYPES = ["DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
         "WINDOW_UPDATE", "CONTINUATION"]
END_STREAM = ACK = 0x1
END_HEADERS, PADDED, PRIORITY_FLAG = 0x4, 0x8, 0x20
ERRORS = ["NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
          "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
          "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"]
(NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, FRAME_SIZE_ERROR,
 REFUSED_STREAM, CANCEL, COMPRESSION_ERROR) = range(10)
HEADER_TABLE_SIZE, ENABLE_PUSH, MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, MAX_HEADER_LIST_SIZE = \
    range(1, 7)
NO_RFC7540_PRIORITIES = 9
SETTING_NAMES = {1: "HEADER_TABLE_SIZE", 2: "ENABLE_PUSH", 3: "MAX_CONCURRENT_STREAMS", 4: "INITIAL_WINDOW_SIZE",
                 5: "MAX_FRAME_SIZE", 6: "MAX_HEADER_LIST_SIZE", 8: "ENABLE_CONNECT_PROTOCOL",
                 9: "NO_RFC7540_PRIORITIES"}
MAX_WINDOW = 2 ** 31 - 1
DEFAULT_MAX_FRAME = 16384


def err_name(code):
    return ERRORS[code] if code < len(ERRORS) else f"0x{code:x}"


def type_name(t):
    return TYPES[t] if t < len(TYPES) else f"type=0x{t:02x}"


def raw(ftype, flags, stream, payload=b"", length=None):
    """Any frame, valid or not: the 9-octet header (length defaults to the payload's) and the payload.
    `stream` is sent as given, so the reserved bit can be set with 0x80000000."""
    n = len(payload) if length is None else length
    return struct.pack(">I", n)[1:] + bytes([ftype, flags]) + struct.pack(">I", stream & 0xFFFFFFFF) + payload


def settings_payload(pairs):
    return b"".join(struct.pack(">HI", k, v) for k, v in pairs)


# --- HPACK by hand (RFC 7541), for blocks the encoder would never produce

def hp_int(value, prefix_bits, first=0):
    """An integer with an N-bit prefix (RFC 7541 5.1); `first` holds the representation's pattern bits."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hp_str(s, huffman_bytes=None):
    """A string literal: raw octets, or (huffman_bytes given) that Huffman-coded octet string as is."""
    if huffman_bytes is not None:
        return hp_int(len(huffman_bytes), 7, 0x80) + huffman_bytes
    s = s.encode() if isinstance(s, str) else s
    return hp_int(len(s), 7) + s


def literal(name, value):
    """Literal header field without indexing, new name (RFC 7541 6.2.2): no dynamic table change."""
    return b"\x00" + hp_str(name) + hp_str(value)


def fields_text(headers):
    """[name: value, ...], with repr() where a name or value holds a space, a control octet or nothing."""
    def show(x):
        return x if x and all(0x21 <= ord(ch) <= 0x7E for ch in x) else repr(x)
    return "[" + ", ".join(f"{show(n)}: {show(v) if v else repr(v)}" for n, v in headers) + "]"


def plain_block(headers):
    return b"".join(literal(n, v) for n, v in headers)


# --- frames received

class Frame:
    def __init__(self, ftype, flags, stream, payload):
        self.type, self.flags, self.stream, self.payload = ftype, flags, stream & 0x7FFFFFFF, bytes(payload)
        self.headers = None        # HEADERS/PUSH_PROMISE: the decoded field list
        self.decode_error = None
        self.broken = None         # what is wrong with the frame as received, if anything

    @property
    def ack(self):
        return bool(self.flags & ACK) and self.type in (SETTINGS, PING)

    @property
    def end_stream(self):
        return bool(self.flags & END_STREAM) and self.type in (DATA, HEADERS)

    def _unpadded(self):
        p = self.payload
        if self.flags & PADDED and p:
            return p[1:len(p) - p[0]]
        return p

    @property
    def data(self):
        return self._unpadded()

    def fragment(self):
        p = self._unpadded()
        if self.type == HEADERS and self.flags & PRIORITY_FLAG:
            p = p[5:]
        if self.type == PUSH_PROMISE:
            p = p[4:]
        return p

    @property
    def code(self):
        if self.type == RST_STREAM and len(self.payload) >= 4:
            return struct.unpack(">I", self.payload[:4])[0]
        if self.type == GOAWAY and len(self.payload) >= 8:
            return struct.unpack(">I", self.payload[4:8])[0]
        return None

    @property
    def last_stream(self):
        return struct.unpack(">I", self.payload[:4])[0] & 0x7FFFFFFF if len(self.payload) >= 4 else None

    @property
    def settings(self):
        p = self.payload
        return [struct.unpack(">HI", p[i:i + 6]) for i in range(0, len(p) - len(p) % 6, 6)]

    @property
    def increment(self):
        return struct.unpack(">I", self.payload[:4])[0] & 0x7FFFFFFF if len(self.payload) >= 4 else None

    def status(self):
        return dict(self.headers or []).get(":status")

    def describe(self):
        t, s = self.type, self.stream
        if t == DATA:
            text = f"DATA(s{s}, {len(self.data)} bytes{', END_STREAM' if self.end_stream else ''})"
        elif t in (HEADERS, PUSH_PROMISE):
            if self.decode_error:
                inner = f"undecodable: {self.decode_error}"
            else:
                inner = ", ".join(f"{n}: {v}" for n, v in (self.headers or []) if n.startswith(":")) or "no pseudo"
            text = f"{type_name(t)}(s{s}, {inner}{', END_STREAM' if self.end_stream else ''})"
        elif t == RST_STREAM:
            text = f"RST_STREAM(s{s}, {err_name(self.code) if self.code is not None else '?'})"
        elif t == SETTINGS:
            text = "SETTINGS(ACK)" if self.ack else "SETTINGS(" + ", ".join(
                f"{SETTING_NAMES.get(k, hex(k))}={v}" for k, v in self.settings) + ")"
        elif t == PING:
            text = f"PING({'ACK, ' if self.ack else ''}{self.payload!r})"
        elif t == GOAWAY:
            debug = self.payload[8:]
            text = (f"GOAWAY(last_stream={self.last_stream}, {err_name(self.code) if self.code is not None else '?'}"
                    f"{', ' + repr(debug.decode('utf-8', 'replace')) if debug else ''})")
        elif t == WINDOW_UPDATE:
            text = f"WINDOW_UPDATE(s{s}, +{self.increment})"
        else:
            text = f"{type_name(t)}(s{s}, flags=0x{self.flags:02x}, {len(self.payload)} bytes)"
        return text + (f" [{self.broken}]" if self.broken else "")


def describe_outgoing(data):
    """A short description of bytes sent: the frames in them, or the octets if they are not frames."""
    if data.startswith(PREFACE):
        rest = data[len(PREFACE):]
        return "preface" + (" + " + describe_outgoing(rest) if rest else "")
    out, i = [], 0
    while i + 9 <= len(data):
        n = int.from_bytes(data[i:i + 3], "big")
        ftype, flags = data[i + 3], data[i + 4]
        sid = struct.unpack(">I", data[i + 5:i + 9])[0]
        sid_text = f"s{sid & 0x7FFFFFFF}" + ("+R" if sid & 0x80000000 else "")
        out.append(f"{type_name(ftype)}({sid_text}, flags=0x{flags:02x}, length={n})")
        i += 9 + n
    if i != len(data) or not out:
        return repr(bytes(data[:60]))
    return " + ".join(out)
