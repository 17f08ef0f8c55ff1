"""A Grafana dashboard's PromQL. Run as dashboard.py DASHBOARD OUT: writes each panel expression as
a recording rule into the rule file OUT, for `promtool check rules` (Prometheus's own parser)."""
import json
import sys

import yaml

# Grafana's built-in variables, replaced by durations so that Prometheus can parse an expression.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "${__rate_interval}": "5m", "$__interval": "1m", "$__range": "1h"}


def promql(expr):
    """expr with Grafana's built-in variables replaced."""
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    return expr


def panels(ps):
    """Every panel, rows' nested panels included."""
    for p in ps:
        yield p
        yield from panels(p.get("panels", []))


def panel_expressions(dash):
    """(panel, target) for each target of each panel that has an expression."""
    for p in panels(dash.get("panels", [])):
        for t in p.get("targets", []):
            if t.get("expr"):
                yield p, t


def main(path, out):
    dash = json.load(open(path))
    rules = [{"record": f"dashboard:panel_{p.get('id')}_{t.get('refId')}", "expr": promql(t["expr"])}
             for p, t in panel_expressions(dash)]
    if not rules:
        sys.exit(f"{path}: no panel expressions")
    yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, open(out, "w"), sort_keys=False)


if __name__ == "__main__":
    main(*sys.argv[1:3])
