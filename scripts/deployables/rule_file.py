"""rule_file.py PROMETHEUSRULE OUT: the PrometheusRule's spec (its groups) as a Prometheus rule file."""
import sys

import yaml


def main(source, out):
    doc = yaml.safe_load(open(source))
    if doc.get("kind") != "PrometheusRule" or not doc.get("spec", {}).get("groups"):
        sys.exit(f"{source}: not a PrometheusRule with spec.groups")
    yaml.safe_dump(doc["spec"], open(out, "w"), sort_keys=False, allow_unicode=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
