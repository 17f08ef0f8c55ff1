"""What PromQL expressions use, for comparison with a scrape: the metric names with their labels
and values that a server exports, and the selectors and grouping labels of an expression."""
import re
import sys

# Labels Prometheus adds to every series of a target (or that name the metric): never in a scrape.
TARGET_LABELS = {"namespace", "job", "pod", "instance", "service", "endpoint", "container", "__name__"}


def read_series(scrape):
    """{metric name: {label: {values}}} of a /metrics text."""
    series = {}
    for line in open(scrape):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s', line)
        if not m:
            sys.exit(f"{scrape}: cannot read {line!r}")
        labels = series.setdefault(m.group(1), {})
        for name, value in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""):
            labels.setdefault(name, set()).add(value)
    return series


def walk(node, out):
    """Collects (selectors, grouping labels) of an expression tree of promql_parser into out."""
    if node is None:
        return
    kind = type(node).__name__
    if kind == "VectorSelector":
        out[0].append(node)
        return
    if kind == "MatrixSelector":
        return walk(node.vector_selector, out)
    mod = getattr(node, "modifier", None)
    if kind == "AggregateExpr" and mod is not None:
        out[1].extend(mod.labels)
    if kind == "BinaryExpr" and mod is not None:
        if mod.matching is not None:
            out[1].extend(mod.matching.labels)
        out[1].extend(mod.group_labels or [])
    for attr in ("lhs", "rhs", "expr", "param"):
        walk(getattr(node, attr, None), out)
    for arg in getattr(node, "args", None) or []:
        walk(arg, out)


def full_match(regex, value):
    try:
        return re.fullmatch(regex, value) is not None
    except re.error:
        return True  # RE2 syntax Python lacks: promtool has already judged the syntax


def matcher_problem(labels, m):
    """What is wrong with the label matcher m of a selector whose metric has labels, or None; the
    text follows the metric's name."""
    if m.name not in labels:
        return f" has no label {m.name} (it has {', '.join(sorted(labels)) or 'none'})"
    if "$" in m.value:
        return None  # a dashboard variable
    op = str(m.op).rsplit(".", 1)[-1]
    values = ", ".join(sorted(labels[m.name]))
    if op == "Equal" and m.value not in labels[m.name]:
        return f'{{{m.name}="{m.value}"}} matches nothing: the server exports {m.name} = {values}'
    if op == "Re" and not any(full_match(m.value, v) for v in labels[m.name]):
        return f'{{{m.name}=~"{m.value}"}} matches none of {values}'
    return None
