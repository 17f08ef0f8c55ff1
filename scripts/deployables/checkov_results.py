"""checkov_results.py REPORT EXPECTED-FILES ERRORS: judges a checkov JSON report.

Zero failed checks, no parsing errors, and at least EXPECTED-FILES inputs scanned (checkov silently
skips, e.g., a workflow its schema rejects). Prints the summary, each failed check as
"FAILED <id> …" and each (justified) skip; ERRORS is checkov's stderr, shown when there is no report.
"""
import json
import sys

from report import Problems


def load_reports(path, errors):
    try:
        data = json.load(open(path))
    except (OSError, ValueError) as e:
        sys.exit(f"no checkov report ({e}):\n" + open(errors).read()[-2000:])
    return data if isinstance(data, list) else [data]


def main(path, expect_files, errors):
    reports = load_reports(path, errors)

    def results(kind):
        return [c for r in reports for c in r.get("results", {}).get(kind, [])]

    def summary(key):
        return sum(r.get("summary", {}).get(key, 0) for r in reports)

    print(f"passed {summary('passed')}, failed {summary('failed')}, skipped {summary('skipped')}, "
          f"resources {summary('resource_count')}")
    for c in results("failed_checks"):
        print(f"FAILED {c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']}:{c['file_line_range']})")
    for c in results("skipped_checks"):
        reason = (c.get("check_result") or {}).get("suppress_comment", "")
        print(f"skipped {c['check_id']} on {c['resource']}: {reason}")
    files = {c["file_path"] for kind in ("passed_checks", "failed_checks", "skipped_checks") for c in results(kind)}
    problems = Problems()
    problems.need(not summary("failed"), f"{summary('failed')} failed checks")
    problems.need(not summary("parsing_errors"), f"{summary('parsing_errors')} files could not be parsed")
    problems.need(len(files) >= int(expect_files),
                  f"checkov scanned {len(files)} of {expect_files} files ({sorted(files)})")
    if problems:
        sys.exit("checkov: " + "; ".join(problems.items))


if __name__ == "__main__":
    main(*sys.argv[1:4])
