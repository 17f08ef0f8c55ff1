"""An HTTP/2 server conformance suite in the style of h2spec (a Go program that is neither in Debian
nor on PyPI): the `http2` and `hpack` sections, case ids like h2spec's (`http2/6.5.3/1`), judged by
RFC 9113 (which obsoletes RFC 7540) and RFC 7541.

Needs: pip install hyperframe hpack   (pinned in tests/requirements.txt)
Usage: python3 -m h2conformance --host 127.0.0.1 --port P [--tls] [--path /health/live] [--json] [--only PREFIX]
       (from tests/e2e; or python3 tests/e2e/h2conformance ... from anywhere)
       Without --tls: h2c with prior knowledge (the preface is sent at once). With --tls: ALPN h2,
       no certificate verification. Prints one PASS/FAIL line per case, then a SUMMARY line (or a
       JSON object {case_id: {"passed": bool, "detail": str}} with --json); exits 0 either way.
From Python: run(host, port, tls=..., path=...) -> {case_id: {"passed", "detail", "description"}}.

Every case opens a fresh connection. Verdicts, as h2spec's:
  connection error X  GOAWAY with X, or the connection closed (RFC 9113 5.4.1: GOAWAY is best effort)
  stream error X      RST_STREAM with X on that stream, GOAWAY with X, or the connection closed
  ignored             a PING sent afterwards is answered by a PING ACK with the same payload
  request served      a response HEADERS frame on the stream (:status 200 for a plain GET of --path)
Each expectation waits at most --timeout seconds (2 by default). Details name what was sent, what
was expected and the frames that came back, so a failure can be reproduced from the line alone.

Modules: frames (frames and HPACK by hand, frames received), client (the connection), verdicts, suite (CASES,
run), shapes (what many cases share), and the cases by RFC area, imported below in the order CASES keeps:
cases_connection (3.5, 4), cases_streams (5), cases_frames (6), cases_http (7, 8), cases_hpack (RFC 7541).
"""
from .suite import CASES, run
from . import cases_connection, cases_streams, cases_frames, cases_http, cases_hpack  # noqa: F401,E402 - in order

__all__ = ["CASES", "run"]
