"""metric_names.py SCRAPE FILE...: the monitoring uses only what the running server exports.

Every metric, label and label value that the alerting rules (a PrometheusRule or a rule file), the
Grafana dashboards (.json) and the rules' unit tests (*.test.yaml) use must exist in SCRAPE, the
/metrics text of a running server; with unit tests among the files, every alert must fire in one.
"""
import json
import re
import sys

import promql_parser as pp
import yaml

from dashboard import panel_expressions, promql
from promql_selectors import TARGET_LABELS, matcher_problem, read_series, walk
from report import Problems


class NamesCheck:
    def __init__(self, series):
        self.series = series
        self.problems = Problems()
        self.checked = 0
        self.alerts, self.fired = [], set()

    def parse(self, expr, where):
        try:
            return pp.parse(promql(expr))
        except Exception as e:  # the parser raises plain exceptions
            self.problems.add(f"{where}: does not parse: {e}")

    def check_expr(self, expr, where):
        tree = self.parse(expr, where)
        if tree is None:
            return
        selectors, grouping = [], []
        walk(tree, (selectors, grouping))
        known = set(TARGET_LABELS)
        for sel in selectors:
            known |= self.check_selector(sel, where)
        for label in grouping:
            self.problems.need(label in known, f"{where}: groups by {label}, a label none of its metrics has")

    def check_selector(self, sel, where):
        """Checks a selector; returns the labels of its metric (none when it is not exported)."""
        self.checked += 1
        name = sel.name
        if name is None:
            self.problems.add(f"{where}: selector {sel} names no metric")
            return set()
        if name not in self.series:
            close = sorted(n for n in self.series if n.split("_")[:2] == name.split("_")[:2])
            self.problems.add(f"{where}: metric {name} is not exported by the running server"
                              + (f" (it has {', '.join(close[:6])})" if close else ""))
            return set()
        labels = self.series[name]
        for m in sel.matchers.matchers:
            problem = None if m.name in TARGET_LABELS else matcher_problem(labels, m)
            if problem:
                self.problems.add(f"{where}: {name}{problem}")
        return set(labels)

    def check_dashboard(self, path):
        dash = json.load(open(path))
        n = 0
        for p, t in panel_expressions(dash):
            n += 1
            self.check_expr(t["expr"], f"{path}: panel {p.get('title')!r} {t.get('refId')}")
        for v in dash.get("templating", {}).get("list", []):
            self.check_variable(path, v)
        self.problems.need(n, f"{path}: no panel expression found")

    def check_variable(self, path, v):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") != "query" or not q:
            return
        m = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)\s*", q)
        if not m:
            self.problems.add(f"{path}: variable {v['name']}: only label_values(selector, label) is checked: {q!r}")
            return
        self.check_expr(m.group(1), f"{path}: variable {v['name']}")
        metric = self.parse(m.group(1), path)
        if metric is not None and getattr(metric, "name", None) in self.series:
            self.problems.need(m.group(2) in TARGET_LABELS | set(self.series[metric.name]),
                               f"{path}: variable {v['name']}: {metric.name} has no label {m.group(2)}")

    def check_unit_tests(self, path, doc):
        """promtool unit tests: input series must look like the real ones."""
        for i, test in enumerate(doc["tests"]):
            for s in test.get("input_series", []):
                self.check_input_series(s["series"], f"{path}: test {i + 1} series {s['series']}")
            for a in test.get("alert_rule_test", []):
                if a.get("exp_alerts"):
                    self.fired.add(a["alertname"])

    def check_input_series(self, text, where):
        tree = self.parse(text, where)
        if tree is None:
            return
        self.checked += 1
        if tree.name not in self.series:
            self.problems.add(f"{where}: metric {tree.name} is not exported by the running server")
            return
        have = {m.name for m in tree.matchers.matchers} - TARGET_LABELS
        want = set(self.series[tree.name])
        self.problems.need(have == want, f"{where}: labels {sorted(have)}, the server exports {sorted(want)}")

    def check_rules(self, path, doc):
        groups = doc["spec"]["groups"] if doc.get("kind") == "PrometheusRule" else doc["groups"]
        for g in groups:
            for r in g["rules"]:
                name = r.get("alert") or r.get("record")
                if r.get("alert"):
                    self.alerts.append(name)
                self.check_expr(r["expr"], f"{path}: {name}")

    def check_file(self, path):
        if path.endswith(".json"):
            return self.check_dashboard(path)
        doc = yaml.safe_load(open(path))
        if "tests" in doc:
            return self.check_unit_tests(path, doc)
        self.check_rules(path, doc)


def main(scrape, files):
    check = NamesCheck(read_series(scrape))
    for path in files:
        check.check_file(path)
    if any(f.endswith(".test.yaml") for f in files):
        for a in check.alerts:
            check.problems.need(a in check.fired, f"alert {a} fires in no test of the unit tests")
    check.problems.exit_if_any(
        lambda n: f"{n} problems: the monitoring uses names the running server does not export")
    series = len(check.series)
    print(f"{check.checked} selectors and series in {len(files)} files match the {series} series names of the scrape; "
          f"{len(check.alerts)} alerts, each fired by a unit test" if check.fired else
          f"{check.checked} selectors in {len(files)} files match the {series} series names of the scrape")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
