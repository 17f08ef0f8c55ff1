"""The static checks, made before anything runs: the memory rule (RULE in the package docstring)
and NetworkPolicy egress to each storage endpoint (and DNS when it is a name)."""
import ipaddress
import math
import re

from .kube_objects import mib, quantity, selector_matches, service_selects, spec_of
from .network import service_for_host
from .storage import is_remote
from .workloads import workloads

MEMORY_BASELINE = 64 * 2**20
MEMORY_FACTOR = 20


def static_checks(t):
    for c in t.containers:
        if c.subcommand == "serve" and not c.init:
            memory_rule(t, c)
        for uri, endpoint, scheme, host, port in c.storage:
            egress_check(t, c, uri, host, port)


def memory_rule(t, c):
    """limits.memory >= 64 MiB + 20 x max-model-bytes, for a serve container with a remote (or unset) model."""
    if c.model and not is_remote(c.model):
        return  # a local model: --max-model-bytes bounds downloads only
    raw = c.setting("max-model-bytes", t.r.defaults.get("max-model-bytes"))
    limit = ((c.spec.get("resources") or {}).get("limits") or {}).get("memory")
    what = (f"{c.w.ref}: memory limit vs --max-model-bytes "
            f"(limit >= {mib(MEMORY_BASELINE)} + {MEMORY_FACTOR} x max-model-bytes)")
    if raw is None or not str(raw).isdigit():
        t.report.fail(what, f"max-model-bytes {raw!r} is not a number of bytes")
        return
    if limit is None:
        t.report.fail(what, "no memory limit: the rule needs one")
        return
    need = MEMORY_BASELINE + MEMORY_FACTOR * int(raw)
    have = quantity(limit)
    t.report.check(have >= need, f"{c.w.ref}: memory limit {limit} >= {mib(MEMORY_BASELINE)} + {MEMORY_FACTOR} x "
                   f"max-model-bytes {mib(int(raw))} = {mib(need)}",
                   None if have >= need else f"raise limits.memory to {mib(math.ceil(need / 2**20) * 2**20)} or "
                   f"lower FRAUDSCORE_MAX_MODEL_BYTES to {int((have - MEMORY_BASELINE) / MEMORY_FACTOR)}")


def egress_check(t, c, uri, host, port):
    """NetworkPolicy: may this pod reach host:port (and DNS, when host is a name)?"""
    w = c.w
    policies = [p for p in t.objs.kind("NetworkPolicy") if t.objs.ns(p) == w.ns
                and selector_matches(spec_of(p).get("podSelector") or {}, w.labels)]
    egress = [p for p in policies if "Egress" in (spec_of(p).get("policyTypes")
                                                  or (["Egress"] if "egress" in spec_of(p) else []))]
    what = f"{w.ref}: NetworkPolicy egress to storage {host}:{port}"
    if not egress:
        t.report.ok(what + " (no egress policy selects the pod)")
        return
    target, dest_pods, dest_ports = _destination(t, host, w.ns, port)
    rules = [rule for p in egress for rule in (p["spec"].get("egress") or [])]
    reasons = []
    allowed = any(rule_allows(t.objs, rule, w.ns, target, dest_pods, dest_ports, host, reasons) for rule in rules)
    dns_ok = True
    if not re.fullmatch(r"[0-9.]+|\[[0-9a-f:]+\]", host or ""):
        dns_ok = any(port_allowed(rule.get("ports"), 53, "UDP", None) for rule in rules)
    pods = ", ".join(sorted({d.ref for d in dest_pods})) or "none"
    dest = (f"Service {target['metadata']['name']} -> pods {pods} port {dest_ports[0][0]}"
            if target else "outside the cluster")
    t.report.check(allowed and dns_ok, f"{what} ({dest}{'; DNS 53/UDP' if dns_ok else ''})",
                   None if allowed and dns_ok else
                   ([f"no egress rule of {', '.join(p['metadata']['name'] for p in egress)} allows it"]
                    if not allowed else [])
                   + ([] if dns_ok else ["no egress rule allows DNS (UDP 53)"]) + reasons)


def _destination(t, host, ns, port):
    """The Service named host (else None: outside the cluster), the pods behind it, and
    [(port number, protocol, port name)] the traffic reaches them on."""
    target = service_for_host(t, host, ns)
    dest_pods, dest_ports = [], [(port, "TCP", None)]
    if target:
        dest_pods = [d for d in workloads(t.objs) if d.ns == t.objs.ns(target) and service_selects(target, d.labels)]
        for p in spec_of(target).get("ports") or []:
            if int(p["port"]) == port:
                number, name = target_port(dest_pods, p.get("targetPort", p["port"]))
                dest_ports = [(number, p.get("protocol", "TCP"), name)]
    return target, dest_pods, dest_ports


def _container_ports(dest_pods):
    for d in dest_pods:
        for c in d.spec.get("containers") or []:
            yield from c.get("ports") or []


def target_port(dest_pods, tp):
    """(number, name) of a Service's targetPort on the pods behind it."""
    if isinstance(tp, int) or str(tp).isdigit():
        number = int(tp)
        name = None
        for p in _container_ports(dest_pods):
            if int(p["containerPort"]) == number:
                name = p.get("name")
        return number, name
    for p in _container_ports(dest_pods):
        if p.get("name") == tp:
            return int(p["containerPort"]), tp
    return None, tp


def port_allowed(ports, number, proto, name):
    if not ports:
        return True
    for p in ports:
        if p.get("protocol", "TCP") != proto:
            continue
        if "port" not in p:
            return True
        want = p["port"]
        if isinstance(want, int) or str(want).isdigit():
            lo, hi = int(want), int(p.get("endPort", want))
            if number is not None and lo <= number <= hi:
                return True
        elif want == name:
            return True
    return False


def rule_allows(objs, rule, ns, target, dest_pods, dest_ports, host, reasons):
    number, proto, name = dest_ports[0]
    if not port_allowed(rule.get("ports"), number, proto, name):
        return False
    peers = rule.get("to")
    if not peers:
        return True
    for peer in peers:
        if "ipBlock" in peer:
            # Pod traffic (a Service target): ipBlock matching of pod IPs is implementation-defined.
            if not target and _ip_block_allows(peer["ipBlock"], host, reasons):
                return True
        elif target and _peer_selects(objs, peer, ns, dest_pods):
            return True
    return False


def _ip_block_allows(block, host, reasons):
    cidr = ipaddress.ip_network(block["cidr"])
    excepts = [ipaddress.ip_network(e) for e in block.get("except") or []]
    try:
        addr = ipaddress.ip_address(host)
        return addr in cidr and not any(addr in e for e in excepts)
    except ValueError:
        # A name outside the cluster: its public address is not known here; a block that is the
        # Internet minus private ranges admits it.
        if cidr.prefixlen == 0:
            return True
        reasons.append(f"ipBlock {cidr}: cannot tell whether {host} is inside it; "
                       f"use an IP literal endpoint or 0.0.0.0/0 minus private ranges")
        return False


def _peer_selects(objs, peer, ns, dest_pods):
    """Whether a namespaceSelector/podSelector peer selects one of the destination pods."""
    ns_sel = peer.get("namespaceSelector")
    pod_sel = peer.get("podSelector")
    for d in dest_pods:
        if ns_sel is not None:
            if not selector_matches(ns_sel, objs.namespace_labels(d.ns)):
                continue
        elif d.ns != ns:
            continue
        if pod_sel is None or selector_matches(pod_sel, d.labels):
            return True
    return False
