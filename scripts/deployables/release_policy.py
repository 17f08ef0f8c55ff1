"""release_policy.py IMAGE-WORKFLOW CI-WORKFLOW: the release pipeline's rules.

Tests (ci.yml, callable) before any push, no implicit `latest`, SBOM and provenance attestations,
keyless cosign signing and verification, least privilege.
"""
import sys

import yaml

from report import Problems


def steps(job):
    return job.get("steps", [])


def uses(step, action):
    return step.get("uses", "").startswith(action + "@")


def pushes(job):
    return (any(uses(s, "docker/build-push-action") and ("push=true" in s.get("with", {}).get("outputs", "")
                                                       or s.get("with", {}).get("push") == "true") for s in steps(job))
            or any("docker push" in s.get("run", "") for s in steps(job)))


def check_triggers(image, ci, jobs, problems):
    """Returns the jobs that run the tests (call ci.yml)."""
    on = image.get("on", {})
    problems.need("tags" in (on.get("push") or {}), "image workflow: no push trigger on version tags")
    problems.need("workflow_call" in (ci.get("on") or {}),
                  "ci workflow: not callable (on: workflow_call), so a tag cannot run it")
    tests = [n for n, j in jobs.items() if j.get("uses", "").endswith("/ci.yml")]
    problems.need(tests, "image workflow: does not call ci.yml (the same tests as CI) before pushing")
    for step in (s for j in jobs.values() for s in steps(j)):
        if uses(step, "docker/metadata-action"):
            flavor = step.get("with", {}).get("flavor", "")
            problems.need("latest=false" in flavor.replace(" ", ""),
                          "docker/metadata-action adds an implicit `latest` tag: set flavor latest=false")
    return tests


def check_pusher(name, job, tests, problems):
    needs = job.get("needs", [])
    needs = [needs] if isinstance(needs, str) else needs
    need = problems.need
    permissions = job.get("permissions", {})
    need(all(t in needs for t in tests) and tests,
         f"job {name} pushes without needing the tests ({', '.join(tests) or 'none'})")
    need(permissions.get("packages") == "write", f"job {name}: packages: write belongs to the pushing job")
    need(permissions.get("id-token") == "write", f"job {name}: id-token: write is needed for keyless signing")
    builds = [s.get("with", {}) for s in steps(job) if uses(s, "docker/build-push-action")]
    need(any(b.get("sbom") == "true" for b in builds), f"job {name}: no SBOM attestation (sbom: true)")
    need(any(b.get("provenance", "").startswith(("true", "mode=")) for b in builds),
         f"job {name}: no provenance attestation (provenance: mode=max)")
    runs = "\n".join(s.get("run", "") for s in steps(job))
    need(any(uses(s, "sigstore/cosign-installer") for s in steps(job)), f"job {name}: cosign is not installed")
    need("cosign sign" in runs and "--key" not in runs, f"job {name}: no keyless `cosign sign`")
    need("cosign verify" in runs, f"job {name}: the signature is not verified after signing")


def main(image_path, ci_path):
    image, ci = (yaml.load(open(p), Loader=yaml.BaseLoader) for p in (image_path, ci_path))
    problems = Problems()
    jobs = image.get("jobs", {})
    tests = check_triggers(image, ci, jobs, problems)
    pushers = {n: j for n, j in jobs.items() if pushes(j)}
    problems.need(pushers, "image workflow: no job pushes the image")
    for name, job in pushers.items():
        check_pusher(name, job, tests, problems)
    for name, job in jobs.items():
        if name not in pushers:
            problems.need(job.get("permissions", {}).get("packages") != "write",
                          f"job {name} can write packages but does not push")
    problems.need(image.get("permissions", {}) == {"contents": "read"},
                  "image workflow: default permissions must be contents: read")
    problems.exit_if_any()
    print(f"tests ({', '.join(tests)}) before {', '.join(pushers)}; no latest; SBOM, provenance, "
          "cosign keyless sign + verify")


if __name__ == "__main__":
    main(*sys.argv[1:3])
