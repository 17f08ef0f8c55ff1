"""The pod's HTTP API as the runner reaches it: its port (from the probes, else --port) and GET JSON."""
import http.client
import json


def api_port(c):
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        g = (c.spec.get(probe) or {}).get("httpGet")
        if g:
            return c.port(g["port"])
    return int(c.setting("port", 8080))


def get_json(port, path):
    """(status, parsed JSON body, else the body as text) of GET path on 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        try:
            return resp.status, json.loads(body)
        except ValueError:
            return resp.status, body.decode(errors="replace")
    finally:
        conn.close()
