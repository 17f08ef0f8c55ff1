"""The compose services built from the Dockerfile, their commands run past the release binary.

A service's effective argv: its entrypoint, else the image's ENTRYPOINT; then its command, else
the image's CMD when the entrypoint was not replaced. `serve` is parsed by `fraudscore config
print` with the service's environment (the image's ENV plus its own); other subcommands by --help
(the usage must name them, every option must exist), and `publish` runs once for real into a
scratch folder. The image's HEALTHCHECK must parse and probe the port the server listens on.
"""
import json
import os
import re
import shlex
import tempfile

from binary_cli import options_of, split_args
from compose_stack import as_list, endpoint, env_of, seconds
from dockerfile_image import BIN_IN_IMAGE

# publish's options that concern the storage: dropped for the dry run into a scratch folder.
STORAGE_OPTIONS = ("--to", "--s3-endpoint", "--s3-region", "--s3-addressing", "--ca-bundle")


def without_storage_options(args):
    keep, skip = [], 0
    for a in args:
        if skip:
            skip -= 1
            continue
        if a.split("=")[0] in STORAGE_OPTIONS:
            skip = 0 if "=" in a else 1
            continue
        keep.append(a)
    return keep


def parse_config(text):
    """{setting: value} of `fraudscore config print` (lines "name: value  # help")."""
    config = {}
    for line in text.splitlines():
        m = re.match(r"([a-z0-9-]+): (.*?)  # (.*)$", line)
        if m:
            value = m.group(2)
            config[m.group(1)] = None if value == "null" else (json.loads(value) if value.startswith('"') else value)
    return config


class Commands:
    def __init__(self, stack, image, cli):
        self.stack, self.image, self.cli = stack, image, cli
        self.served, self.published = {}, {}  # model repository -> (service, storage service)
        self.notes = []

    def problem(self, name, msg):
        self.stack.problem(name, msg)

    def argv_of(self, svc):
        entrypoint = as_list(svc["entrypoint"]) if "entrypoint" in svc else self.image.entrypoint or []
        if "command" in svc:
            return entrypoint + as_list(svc["command"])
        return entrypoint + ([] if "entrypoint" in svc else self.image.cmd or [])

    def healthcheck_of(self, svc):
        healthcheck = svc.get("healthcheck") or {}
        if healthcheck.get("disable"):
            return None
        return as_list(healthcheck["test"]) if "test" in healthcheck else self.image.healthcheck

    def check(self, name, svc):
        env = dict(self.image.env)
        env.update(env_of(svc))
        argv = self.argv_of(svc)
        self.notes.append(f"{name}: {shlex.join(argv)}")
        if not argv or argv[0] != BIN_IN_IMAGE:
            self.problem(name, f"argv {argv} does not run {BIN_IN_IMAGE}; nothing to check it with")
            return
        sub, rest = self.cli.split(argv[1:])
        if sub == "serve":
            self.check_serve(name, svc, env, argv, rest)
        else:
            self.check_one_shot(name, svc, env, sub, rest)

    # -- serve ------------------------------------------------------------------------------------
    def check_serve(self, name, svc, env, argv, rest):
        out = self.cli.run(["config", "print"] + rest, env={"PATH": "/usr/bin:/bin", **env}, cwd=tempfile.mkdtemp())
        if out.returncode != 0:
            self.problem(name, f"{shlex.join(argv)} runs `fraudscore serve`, and `fraudscore config print "
                               f"{shlex.join(rest)}` with its environment fails: {out.stderr.strip()}")
            return
        config = parse_config(out.stdout)
        self.check_serve_files(name, svc, env, config)
        port = int(config["port"])
        probe = int(config["probe-port"]) if config.get("probe-port") else None
        self.check_ports_and_drain(name, svc, config, port, probe)
        self.check_healthcheck(name, env, self.healthcheck_of(svc), probe if probe else port)

    def check_serve_files(self, name, svc, env, config):
        """The model (S3: its endpoint and credentials) and every file the server reads exist."""
        volumes = svc.get("volumes", [])
        model = config.get("model") or ""
        if model.startswith("s3://"):
            host = self.stack.check_s3_client(name, env, endpoint(env, config.get("s3-endpoint")), "model repository")
            self.served[model.rstrip("/") + "/"] = (name, host)
        elif not model.startswith("https://") and self.image.path(model, volumes) is None:
            self.problem(name, f"model {model} is neither in the image nor in a volume")
        for key in ("tls-cert", "tls-key", "ca-bundle", "admin-token-file", "config"):
            if config.get(key) and self.image.path(config[key], volumes) is None:
                self.problem(name, f"{key} {config[key]} is neither in the image nor in a volume")

    def check_ports_and_drain(self, name, svc, config, port, probe):
        for p in svc.get("ports", []):
            target = int(str(p).rsplit(":", 1)[-1].split("/")[0]) if not isinstance(p, dict) else int(p["target"])
            if target not in (port, probe):
                self.problem(name, f"publishes container port {target}, but it listens on {port}"
                                   + (f" and {probe}" if probe else ""))
        drain = (int(config.get("drain-timeout-ms") or 10000) + int(config.get("pre-stop-delay-ms") or 0)) / 1000
        if seconds(svc.get("stop_grace_period")) <= drain:
            self.problem(name, f"stop_grace_period {svc.get('stop_grace_period', '10s (default)')} does not cover "
                               f"the drain ({drain:g} s): docker would SIGKILL requests in flight")

    def check_healthcheck(self, name, env, hc_test, plain_port):
        """The healthcheck runs `fraudscore healthcheck` against the server's plain port."""
        if not hc_test or hc_test[0] == "NONE":
            self.problem(name, "no healthcheck: `docker compose ps` and depends_on cannot tell when it serves")
            return
        if hc_test[0] != "CMD" or len(hc_test) < 2 or hc_test[1] != BIN_IN_IMAGE:
            self.problem(name, f"healthcheck {hc_test} should be [CMD, {BIN_IN_IMAGE}, healthcheck] "
                               "(the image has no curl)")
            return
        out, usage = self.cli.help_of(hc_test[2:])
        if not usage.startswith("fraudscore healthcheck"):
            self.problem(name, f"healthcheck `{shlex.join(hc_test[1:])}`: the binary has no such subcommand "
                               f"(its help says USAGE: {usage})")
            return
        options = options_of(out.stdout)
        opts, _ = split_args(hc_test[3:], options)
        unknown = [o for o in opts if o not in options]
        if unknown:
            self.problem(name, f"healthcheck options {unknown} are not options of fraudscore healthcheck")
        port = int(opts.get("--port") or env.get("FRAUDSCORE_PROBE_PORT") or env.get("FRAUDSCORE_PORT") or 8080)
        if port != plain_port:
            self.problem(name, f"healthcheck asks port {port}, the server's plain port is {plain_port}")
        self.notes.append(f"{name}: healthcheck {shlex.join(hc_test[1:])} -> "
                          f"127.0.0.1:{port}{opts.get('--path', '/health/ready')}")

    # -- one-shot subcommands ---------------------------------------------------------------------
    def check_one_shot(self, name, svc, env, sub, rest):
        """Its usage, its options, no healthcheck or restart, and (publish) a real run."""
        out, usage = self.cli.help_of([sub] + rest)
        if not usage.startswith(f"fraudscore {sub}"):
            self.problem(name, f"`fraudscore {sub} … --help` printed the usage of another command ({usage})")
            return
        options = options_of(out.stdout)
        opts, positionals = split_args(rest, options)
        for o in opts:
            if o not in options:
                self.problem(name, f"{o} is not an option of fraudscore {sub}")
        hc_test = self.healthcheck_of(svc)
        if hc_test and hc_test[0] != "NONE":
            self.problem(name, f"a one-shot `{sub}` inherits the server's healthcheck: "
                               "set healthcheck: {disable: true}")
        restart = str(svc.get("restart", "no"))
        if restart not in ("no", "on-failure") and not restart.startswith("on-failure"):
            self.problem(name, f"restart: {svc.get('restart')} would run the one-shot `{sub}` again and again")
        if sub == "publish":
            self.check_publish(name, svc, env, rest, opts, positionals)

    def check_publish(self, name, svc, env, rest, opts, positionals):
        if len(positionals) != 1:
            self.problem(name, f"publish takes one model path, got {positionals}")
            return
        source = self.image.path(positionals[0], svc.get("volumes", []))
        if source is None:
            self.problem(name, f"model {positionals[0]} is not in the image")
            return
        to = opts.get("--to", "")
        if to.startswith("s3://"):
            host = self.stack.check_s3_client(name, env, endpoint(env, opts.get("--s3-endpoint")), "--to")
            self.published[to.rstrip("/") + "/"] = (name, host)
        if source is True:
            return  # from a volume: nothing here to publish
        keep = without_storage_options([a for a in rest if a != positionals[0]])
        result = self.cli.run(["publish", os.path.abspath(source), "--to", tempfile.mkdtemp()] + keep,
                              env={"PATH": "/usr/bin:/bin"})
        if result.returncode != 0:
            self.problem(name, f"publish of {positionals[0]} (= {source}) would fail: {result.stderr.strip()}")
        else:
            self.notes.append(f"{name}: dry run into a scratch folder: {result.stdout.strip()}")
