"""Manifest runner: the kubelet's stand-in. Runs what the Kubernetes manifests would run, with no
cluster and no container engine, and checks that it works.

    .venv/bin/python scripts/run-manifests.py [options] [KUSTOMIZATION-DIR ...]
    (from scripts/: ../.venv/bin/python -m manifest_runner [options] [KUSTOMIZATION-DIR ...])

With no directory: every overlay (k8s/overlays/*) and every example with a kustomization
(k8s/examples/*/). Each directory is rendered with `kubectl kustomize` and run on its own:

- every container that runs the project's image (the Dockerfile's org.opencontainers.image.title
  label names it) runs the release binary with exactly that container's effective argv: `command`,
  else the Dockerfile's ENTRYPOINT, then `args` (else CMD when there is no `command`), `$(VAR)`
  expanded as Kubernetes does; and its environment: the image's ENV, service links (unless
  enableServiceLinks is false), envFrom and env with ConfigMap and Secret keys, field and resource
  references resolved from the rendered objects;
- in a root of its own (chroot, in a private mount namespace), assembled the way the image and the
  pod spec say: the host's /usr and /etc stand in for the Dockerfile's base image (the host must be
  the same Debian release); the binary at ENTRYPOINT[0]; the Dockerfile's COPY sources from the
  repository at their destinations (read-only); volumes at their mountPaths (emptyDir: tmpfs with its
  sizeLimit; Secret and ConfigMap: files laid out as the kubelet writes them, ..data symlink,
  defaultMode, fsGroup); /etc/hosts, /etc/hostname, /etc/resolv.conf, /dev/termination-log as the
  kubelet mounts them; the root read-only when readOnlyRootFilesystem; as the user, group and
  supplementary groups of the security contexts (else the Dockerfile's USER), no_new_privs when
  allowPrivilegeEscalation is false; runAsNonRoot enforced;
- in a private network namespace (loopback only): every Service of the rendered objects gets a
  loopback address (127.1.0.N) and DNS names in /etc/hosts (short name in its own namespace, then
  name.ns, name.ns.svc, name.ns.svc.cluster.local); Service ports forward to the pod they select
  when the runner runs it; the S3 endpoints the project's containers name (a Service such as the dev
  MinIO, or an external host; http or https) are served by a local moto_server with SigV4 checking
  (tests/e2e/s3server.py), https with a certificate from a throwaway CA that the container's trust
  store (/etc/ssl/certs/ca-certificates.crt) includes. Where a container takes its S3 credentials
  from a Secret (AWS_*_FILE naming a mounted Secret key, or secretKeyRef), that key holds moto's
  credentials; such a Secret that is not in the rendered objects (created out of band) is supplied.

Workloads of other images (e.g. the dev MinIO and its bucket-init Job) are not run: moto stands in
for the storage they provide, with every bucket the project's containers name already created.
A model repository that project Deployments read and no Job of the directory publishes to is seeded
with the image's bundled model (`fraudscore publish`), as the training pipeline would have done.

Checks (one PASS/FAIL line each, then `manifests: N passed, M failed`; exit status 1 on failure):
- static: effective argv and environment resolve (every referenced ConfigMap/Secret/key exists);
  --max-model-bytes fits the memory limit (RULE below); NetworkPolicy egress allows each storage
  endpoint (and DNS when it is a name);
- every Deployment (and other long-running workload): no usage error; its startupProbe, then
  livenessProbe answer on their declared paths and ports within the time the probe settings allow;
  after the Jobs, its readinessProbe answers and it serves the highest version of its model
  repository (for the dev overlay: the version the model-publish Job published); a Service in front
  of it passes scripts/smoke.sh; SIGTERM drains and exits 0 within the grace period;
- a serve container whose model URI is empty must fail fast, saying to set it (prod as shipped);
- every Job of the project's image exits 0 (a usage error is reported as such);
- KServe: each InferenceService runs with its ServingRuntime's container (args concatenated,
  {{.Name}} and friends replaced, storageUri downloaded to /mnt/models by a storage-initializer
  stand-in) and answers GET /v2/models/{name}/ready.

RULE (memory): limits.memory >= 64 MiB + 20 x max-model-bytes, for every serve container with a
remote (or not yet set) model. Measured on the release binary with XGBoost models of 1.4 to 37 MB:
the process with the bundled model is ~34 MiB; one loaded model costs 5.8x its JSON file size (7.4x
for UBJSON, the denser format); the peak over three hot swaps from S3 was 7.7x (JSON) and 10x
(UBJSON) the file size, and from a local repository folder, where the previous version stayed
resident beside the new one, 13.1x and 17.2x. 20x covers the worst with margin; 64 MiB covers the
baseline, connections and buffers.

Not emulated: seccomp, capability bounding sets, cgroup limits (memory and CPU are checked by the
rule above, not enforced), more than one replica, NetworkPolicy enforcement (checked statically),
DNS (a hosts file instead), image pulls. The host's /usr and /etc stand in for the base image.

Options:
  --binary PATH   the release binary (default: $FRAUDSCORE_BIN, else .build/release/fraudscore)
  --kubectl PATH  kubectl with kustomize (default: $KUBECTL, kubectl on PATH, else the one
                  scripts/check-deployables.sh installs)
  --timeout S     cap of every wait (probes, Jobs, served version), seconds (default 90)
  --logs DIR      copy every container's and moto's log there
  --dockerfile F  the image's Dockerfile (default: Dockerfile; the build context is the repository,
                  as with `docker build -f F .`)

Needs: Linux, root (mount, network, PID and UTS namespaces: unshare(1)), the test venv's Python
(moto, boto3, PyYAML, cryptography: run it with .venv/bin/python), kubectl, curl (smoke.sh).
Every process it starts lives in its PID namespace and is stopped at the end, even on failure.

Layout: cli (options, entering the namespaces), runner (the image and binary facts, the targets),
target (one kustomization directory: plan, phases, teardown); what a container gets: dockerfile,
kube_objects, workloads, kserve, container, expand, credentials, network, tls, storage, volumes,
container_root, root_plan, linux, namespaces; what is run and checked: process, probes, api, pods,
jobs, serving, checks; report (PASS/FAIL lines).
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
