"""Bounded abuse probes for the denial-of-service defences of a server on 127.0.0.1.

HTTP/2 floods and oversized field blocks (h2c with prior knowledge, or TLS with ALPN h2), and HTTP/1.1 requests a
server must refuse. Built on h2conformance's connection (`client.Conn`) and frames.

Needs: pip install hyperframe hpack   (pinned in tests/requirements.txt)
Usage: python3 -m h2probe --port P [--tls] [--path /health/live] NAME... | h2-all | h1-all
       (from tests/e2e; or python3 tests/e2e/h2probe ... from anywhere)
From Python: run(name, port, tls=..., path=...) -> the RESULT line.

Every probe attacks 127.0.0.1 only, on one fresh connection, and stops by itself within a few seconds (its frames,
octets and seconds are capped). It prints one line, what the server did:
  RESULT h2.NAME: <what was sent> responses=N rst_from_server={CODE: N}|- goaway=CODE(last=N)|- \
      closed_at=S.SSs|not_closed (open after S.Ss) [send_error='...']
  RESULT h1.NAME: status=N|- expected=N closed_at=S.SSs|not_closed (open after S.Ss)
closed_at counts from the probe's start (connecting included). A defended server sends GOAWAY ENHANCE_YOUR_CALM
and closes well within a second; one that does not close is still open when the probe gives up. A probe is not a
test: tests/e2e/test_http2_floods.py and scripts/probe_attacks.sh judge the lines.

Modules: watch (the attacking connection and what the server did to it), floods (frames that ask for no response),
header_lists (the HPACK bomb, the CONTINUATION flood), http1 (HTTP/1.1 requests to refuse).
"""
from . import floods, header_lists, http1

H2_PROBES = {f.__name__: f for f in (floods.rapid_reset, floods.ping_flood, floods.empty_data_flood,
                                     floods.priority_flood, floods.unknown_frame_flood, floods.settings_flood,
                                     header_lists.hpack_bomb, header_lists.continuation_flood)}
H1_PROBES = {f.__name__: f for f in (http1.oversized_header, http1.too_many_headers, http1.cl_te_smuggling,
                                     http1.slowloris)}


def run(name, port, tls=False, path="/health/live"):
    """The RESULT line of probe `name` (h2 or h1, by which table has it)."""
    kind, probe = ("h2", H2_PROBES[name]) if name in H2_PROBES else ("h1", H1_PROBES[name])
    try:
        fields = probe(port, tls, path)
    except Exception as e:  # noqa: BLE001 - a probe that cannot run says why, on its own line (no closed_at)
        fields = f"harness error {type(e).__name__}: {e}"
    return f"RESULT {kind}.{name}: {fields}"
