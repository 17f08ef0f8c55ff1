"""Probes as the kubelet runs them (httpGet, tcpSocket, exec), and waiting for one to succeed."""
import http.client
import shlex
import socket
import ssl
import subprocess
import time

from .process import exit_detail, spawn, usage_error
from .report import SetupError


def probe_once(c, probe, timeout=None):
    """(success, what it said) of one run of the probe."""
    timeout = timeout or probe.get("timeoutSeconds", 1)
    if "httpGet" in probe:
        return _http_get(c, probe["httpGet"], timeout)
    if "tcpSocket" in probe:
        return _tcp(c, probe["tcpSocket"], timeout)
    if "exec" in probe:
        return _exec(c, probe["exec"]["command"], timeout)
    return False, f"probe kind {[k for k in probe if k not in ('periodSeconds',)]} not supported by the runner"


def _http_get(c, g, timeout):
    port = c.port(g["port"])
    host = g.get("host") or "127.0.0.1"
    conn_cls = http.client.HTTPSConnection if g.get("scheme", "HTTP") == "HTTPS" else http.client.HTTPConnection
    kwargs = {"context": ssl._create_unverified_context()} if conn_cls is http.client.HTTPSConnection else {}
    try:
        conn = conn_cls(host, port, timeout=timeout, **kwargs)
        headers = {h["name"]: h["value"] for h in g.get("httpHeaders") or []}
        headers.setdefault("User-Agent", "kube-probe/1.32")
        conn.request("GET", g.get("path", "/"), headers=headers)
        resp = conn.getresponse()
        body = resp.read(300).decode(errors="replace")
        conn.close()
        return 200 <= resp.status < 400, f"GET :{port}{g.get('path', '/')} -> {resp.status} {body.strip()}"
    except (OSError, http.client.HTTPException) as e:
        return False, f"GET :{port}{g.get('path', '/')}: {e}"


def _tcp(c, tcp, timeout):
    port = c.port(tcp["port"])
    try:
        socket.create_connection((tcp.get("host", "127.0.0.1"), port), timeout=timeout).close()
        return True, f"TCP :{port} open"
    except OSError as e:
        return False, f"TCP :{port}: {e}"


def _exec(c, cmd, timeout):
    try:
        p = spawn(c, argv=cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = p.communicate(timeout=timeout)
        said = out.decode(errors="replace").strip()[:200]
        return p.returncode == 0, f"exec {shlex.join(cmd)} -> {p.returncode} {said}"
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return False, f"exec {shlex.join(cmd)}: timed out after {timeout}s"
    except OSError as e:
        return False, f"exec {shlex.join(cmd)}: {e}"


def describe(probe):
    if "httpGet" in probe:
        return f"GET {probe['httpGet'].get('path', '/')} port {probe['httpGet']['port']}"
    if "tcpSocket" in probe:
        return f"TCP port {probe['tcpSocket']['port']}"
    if "exec" in probe:
        return "exec " + shlex.join(probe["exec"]["command"])
    return "?"


def wait_probe(t, c, kind, probe, budget, give_up=None):
    """Poll a probe until it succeeds, the process exits, give_up() says why not, or the budget ends."""
    t0 = time.monotonic()
    deadline = t0 + max(budget, 1)
    last = ""
    delay = 0.05
    what = f"{c.ref}: {kind} {describe(probe)}"
    while True:
        try:
            ok, last = probe_once(c, probe)
        except SetupError as e:
            t.report.fail(what, str(e))
            return False
        if ok:
            t.report.ok(f"{what} answers ({last[:60].strip()}) after {time.monotonic() - t0:.1f}s")
            return True
        code = c.proc.poll()
        if code is not None:
            usage = ", a usage error" if usage_error(c, code) else ""
            t.report.fail(f"{what} (the process exited {code}{usage})", [f"last probe: {last}"] + exit_detail(c, code))
            return False
        reason = give_up() if give_up else None
        if reason or time.monotonic() >= deadline:
            t.report.fail(what, [reason or f"no success within {budget:g}s", f"last: {last}"] + c.logs(6))
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
