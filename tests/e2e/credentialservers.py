"""Loopback stand-ins for the two AWS endpoints that hand pods temporary credentials.

- StsEndpoint: STS AssumeRoleWithWebIdentity (EKS IRSA). moto's server, with signature checks on,
  answers an unsigned AssumeRoleWithWebIdentity with a 500, so this stand-in checks the role ARN and
  the web identity token itself and hands out real temporary credentials that moto issued through a
  signed AssumeRole: moto's S3 then accepts only requests signed with them and their session token.
- ContainerEndpoint: the container credentials endpoint (EKS Pod Identity, ECS), checking the
  Authorization header against the token the pod was given.

Both report the credentials as valid for `lifetime` seconds (moto's own are valid for 15 minutes),
so a test sees the server refresh them; `accepted` is the set of tokens currently honoured, and
`seen` lists every token presented, in order.
"""
import datetime
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Endpoint:
    def __init__(self, s3, accepted, lifetime):
        self.s3 = s3
        self.accepted = set(accepted)
        self.lifetime = lifetime
        self.seen = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.answer(self, None)

            def do_POST(self):
                owner.answer(self, self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def tokens_seen(self):
        with self.lock:
            return list(self.seen)

    def honour(self, token):
        """Records the token presented; True when it is currently accepted."""
        with self.lock:
            self.seen.append(token)
            return token in self.accepted

    def accept_only(self, *tokens):
        with self.lock:
            self.accepted = set(tokens)

    def expiration(self):
        end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.lifetime)
        return end.strftime("%Y-%m-%dT%H:%M:%SZ")

    @staticmethod
    def send(handler, status, content_type, body):
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class StsEndpoint(_Endpoint):
    def __init__(self, s3, role_arn, accepted, lifetime=4):
        self.role_arn = role_arn
        super().__init__(s3, accepted, lifetime)

    def answer(self, handler, body):
        form = urllib.parse.parse_qs(body or "")
        one = lambda k: form.get(k, [""])[0]  # noqa: E731
        if handler.command != "POST" or one("Action") != "AssumeRoleWithWebIdentity" or one("Version") != "2011-06-15":
            return self.error(handler, 400, "InvalidAction", "expected a POST of Action=AssumeRoleWithWebIdentity")
        if one("RoleArn") != self.role_arn or not one("RoleSessionName"):
            return self.error(handler, 403, "AccessDenied", f"not authorized to assume {one('RoleArn')}")
        if not self.honour(one("WebIdentityToken")):
            return self.error(handler, 400, "InvalidIdentityToken", "the web identity token was not accepted")
        c = self.s3.assume_role(one("RoleSessionName"))
        self.send(handler, 200, "text/xml", f"""<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>{c["AccessKeyId"]}</AccessKeyId>
      <SecretAccessKey>{c["SecretAccessKey"]}</SecretAccessKey>
      <SessionToken>{c["SessionToken"]}</SessionToken>
      <Expiration>{self.expiration()}</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
</AssumeRoleWithWebIdentityResponse>""")

    def error(self, handler, status, code, message):
        self.send(handler, status, "text/xml", f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                                               f"<Message>{message}</Message></Error></ErrorResponse>")


class ContainerEndpoint(_Endpoint):
    def answer(self, handler, body):
        if handler.command != "GET" or not self.honour(handler.headers.get("Authorization", "")):
            return self.send(handler, 401, "application/json",
                             json.dumps({"code": "AccessDeniedException", "message": "invalid authorization token"}))
        c = self.s3.assume_role("pod-identity")
        self.send(handler, 200, "application/json", json.dumps({
            "AccessKeyId": c["AccessKeyId"], "SecretAccessKey": c["SecretAccessKey"], "Token": c["SessionToken"],
            "AccountId": "123456789012", "Expiration": self.expiration()}))
