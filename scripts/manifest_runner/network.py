"""The pods' network, in a namespace with loopback only: a loopback "ClusterIP" and DNS names
(/etc/hosts) for every Service, service-link variables, and forwarders (kube-proxy's part)."""
import contextlib
import select
import socket
import ssl
import threading

from .kube_objects import service_selects, spec_of

KUBERNETES_ENV = {"KUBERNETES_SERVICE_HOST": "127.1.255.1", "KUBERNETES_SERVICE_PORT": "443",
                  "KUBERNETES_SERVICE_PORT_HTTPS": "443", "KUBERNETES_PORT": "tcp://127.1.255.1:443",
                  "KUBERNETES_PORT_443_TCP": "tcp://127.1.255.1:443", "KUBERNETES_PORT_443_TCP_PROTO": "tcp",
                  "KUBERNETES_PORT_443_TCP_PORT": "443", "KUBERNETES_PORT_443_TCP_ADDR": "127.1.255.1"}


def service_ips(objs):
    """(namespace, name) -> loopback address of every Service that has a cluster IP."""
    ips = {}
    for i, svc in enumerate(objs.kind("Service"), start=1):
        if spec_of(svc).get("clusterIP") == "None":
            continue
        ips[(objs.ns(svc), svc["metadata"]["name"])] = f"127.1.{i // 250}.{i % 250 + 1}"
    return ips


def service_names(name, ns, client_ns):
    """The names a pod in client_ns resolves a Service by (the short name only in its own namespace)."""
    return (([name] if ns == client_ns else [])
            + [f"{name}.{ns}", f"{name}.{ns}.svc", f"{name}.{ns}.svc.cluster.local"])


def service_for_host(t, host, ns):
    """The Service a pod in ns reaches by the name host, else None."""
    for sns, name in t.service_ips:
        if host in service_names(name, sns, ns):
            return t.objs.get("Service", sns, name)
    return None


def services_selecting(t, w):
    """(name, ip, Service) of each Service in the workload's namespace that selects its pod."""
    for (ns, name), ip in t.service_ips.items():
        svc = t.objs.get("Service", ns, name)
        if ns == w.ns and service_selects(svc, w.labels):
            yield name, ip, svc


def service_env(t, w):
    """The variables the kubelet defines for the Services of the pod's namespace (service links)."""
    env = dict(KUBERNETES_ENV)
    if w.spec.get("enableServiceLinks", True) is False:
        return env
    for (ns, name), ip in t.service_ips.items():
        ports = spec_of(t.objs.get("Service", ns, name)).get("ports") or []
        if ns == w.ns and ports:
            env.update(_service_links(name.upper().replace("-", "_"), ip, ports))
    return env


def _service_links(prefix, ip, ports):
    env = {f"{prefix}_SERVICE_HOST": ip, f"{prefix}_SERVICE_PORT": str(ports[0]["port"])}
    for p in ports:
        if p.get("name"):
            env[f"{prefix}_SERVICE_PORT_{p['name'].upper().replace('-', '_')}"] = str(p["port"])
    proto0 = ports[0].get("protocol", "TCP").lower()
    env[f"{prefix}_PORT"] = f"{proto0}://{ip}:{ports[0]['port']}"
    for p in ports:
        proto = p.get("protocol", "TCP")
        base = f"{prefix}_PORT_{p['port']}_{proto}"
        env[base] = f"{proto.lower()}://{ip}:{p['port']}"
        env[base + "_PROTO"] = proto.lower()
        env[base + "_PORT"] = str(p["port"])
        env[base + "_ADDR"] = ip
    return env


def hosts_file(t, w):
    """The pod's /etc/hosts: Services and external storage hosts resolve here, not by DNS."""
    lines = ["# Kubernetes-managed hosts file (run-manifests: Services resolve here, not by DNS).",
             "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback",
             f"127.0.0.1\t{w.pod_name}"]
    for alias in w.spec.get("hostAliases") or []:
        lines.append(f"{alias['ip']}\t" + " ".join(alias.get("hostnames") or []))
    for (ns, name), ip in sorted(t.service_ips.items(), key=lambda x: x[1]):
        lines.append(f"{ip}\t" + " ".join(service_names(name, ns, w.ns)))
    for host, ip in sorted(t.external_hosts.items()):
        lines.append(f"{ip}\t{host}")
    return "\n".join(lines) + "\n"


def resolv_conf(ns):
    return (f"search {ns}.svc.cluster.local svc.cluster.local cluster.local\n"
            "nameserver 127.0.0.1\noptions ndots:5\n")


class Forwarder:
    """Listens on (ip, port) and pipes each connection to upstream, optionally terminating TLS."""

    def __init__(self, listen, upstream, tls=None):
        self.listen, self.upstream, self.tls = listen, upstream, tls
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(listen)
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.stopped = threading.Event()
        self.conns = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        up = None
        try:
            conn.settimeout(30)
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            up = socket.create_connection(self.upstream, timeout=30)
            with self.lock:
                self.conns.update((conn, up))
            self._pipe(conn, up)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self.lock:
                self.conns.discard(conn)
                self.conns.discard(up)
            for s in (conn, up):
                if s is not None:
                    with contextlib.suppress(OSError):
                        s.close()

    def _pipe(self, a, b):
        while not self.stopped.is_set():
            ready = [a] if isinstance(a, ssl.SSLSocket) and a.pending() else []
            if not ready:
                ready, _, _ = select.select([a, b], [], [], 0.5)
            for src in ready:
                dst = b if src is a else a
                data = src.recv(65536)
                if not data:
                    return
                dst.sendall(data)

    def close(self):
        self.stopped.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        with self.lock:
            for s in list(self.conns):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
        self.thread.join(2)
