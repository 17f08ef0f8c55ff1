"""`moto_server`, but verifying SigV4 over the request target canonicalized the way AWS does.

Run as `python3 moto_server_aws.py -H 127.0.0.1 -p PORT` (same arguments as `moto_server`).

Why: stock moto recomputes the signature over werkzeug's *re-decoded* URL, in which most query
escapes are undone (`prefix=models%2F` becomes `prefix=models/`; only %20 %23 %25 %26 %2B %3D
survive) and path escapes like %2B, %3D, %C3%A9 are rewritten too. A client that signs correctly
for AWS (botocore, our Swift S3Store: RFC 3986 encoding, '/' in query values as %2F) then gets
403 SignatureDoesNotMatch from moto for any listing under a folder prefix, while a client that
signs `prefix=models/` raw passes moto but would fail on AWS.

This patch feeds moto's checker the canonical form AWS uses instead, computed from the raw
request target (werkzeug's RAW_URI): the path percent-decoded then re-encoded (RFC 3986
unreserved characters and '/' kept), the query split on '&', each name and value percent-decoded
and re-encoded (only unreserved characters kept, so '/' -> %2F, '=' -> %3D, '+' -> %2B, ' ' ->
%20), then sorted. Everything else (IAM users/keys/policies, the unauthenticated-request budget,
the S3 emulation itself) is moto's own.
"""
import sys
from urllib.parse import quote, unquote

from moto.core.authorization import ActionAuthenticatorMixin


def aws_canonical_target(raw_target):
    """'/b/k%2bx?prefix=a/&list-type=2' -> '/b/k%2Bx?list-type=2&prefix=a%2F'."""
    path, _, query = raw_target.partition("?")
    path = quote(unquote(path), safe="/")
    if not query:
        return path
    pairs = []
    for item in query.split("&"):
        name, _, value = item.partition("=")
        pairs.append((quote(unquote(name), safe=""), quote(unquote(value), safe="")))
    return path + "?" + "&".join(f"{n}={v}" for n, v in sorted(pairs))


_original = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _authenticate_and_authorize_action(self, iam_request_cls, resource="*"):
    request = getattr(self, "request", None)
    raw = getattr(request, "environ", {}).get("RAW_URI") if request is not None else None
    if not raw or not hasattr(self, "uri"):
        return _original(self, iam_request_cls, resource)
    saved = self.uri
    self.uri = "http://canonical" + aws_canonical_target(raw)
    try:
        return _original(self, iam_request_cls, resource)
    finally:
        self.uri = saved


ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
