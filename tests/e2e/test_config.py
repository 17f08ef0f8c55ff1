"""Configuration from a YAML file (--config / FRAUDSCORE_CONFIG), FRAUDSCORE_* variables and flags,
with precedence flag > environment > file > default; errors name the file and line; `config print`
shows the effective values with their sources and masks secrets."""
import os
import subprocess
import urllib.request

from conftest import REPO, binary

TOKEN = "a-long-admin-token-0123456789"


def run(*args, env=None, timeout=30):
    full = {k: v for k, v in os.environ.items() if not k.startswith("FRAUDSCORE_")}
    full.update(env or {})
    return subprocess.run([binary(), *args], capture_output=True, text=True, cwd=REPO, env=full, timeout=timeout)


def printed(out):
    """config print's lines as {name: (value, source)}."""
    entries = {}
    for line in out.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        body, _, source = line.partition("  # ")
        name, _, value = body.partition(": ")
        entries[name] = (value, source)
    return entries


def test_precedence_is_flag_then_environment_then_file_then_default(tmp_path):
    cfg = tmp_path / "fraudscore.yaml"
    cfg.write_text("port: 7000\nthreads: 3\nmax_body_bytes: 2048\nrequest-fields: [device_id, mcc]\n"
                   "allow-missing-features: yes\n")
    out = run("config", "print", "--config", str(cfg), "--port", "9000",
              env={"FRAUDSCORE_PORT": "8000", "FRAUDSCORE_THREADS": "5"})
    assert out.returncode == 0, out.stderr
    e = printed(out.stdout)
    assert e["port"] == ("9000", "command line")
    assert e["threads"] == ("5", "environment FRAUDSCORE_THREADS")
    assert e["max-body-bytes"] == ("2048", f"{cfg}:3")
    assert e["request-fields"] == ('"device_id,mcc"', f"{cfg}:4")
    assert e["allow-missing-features"] == ("true", f"{cfg}:5")
    assert e["max-header-bytes"] == ("16384", "default")
    assert e["model-version"] == ("null", "not set")


def test_the_server_runs_with_the_file_and_the_environment_names_it(start_server, tmp_path):
    cfg = tmp_path / "fraudscore.yaml"
    cfg.write_text("port: 0\nmax-body-bytes: 100\nthreads: 1\n")
    server = start_server(env={"FRAUDSCORE_CONFIG": str(cfg), "FRAUDSCORE_THREADS": "2"})
    listening = server.entries(msg="listening")[0]
    assert listening["threads"] == "2"  # environment over file
    req = urllib.request.Request(server.url + "/predict", data=b"x" * 200, method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("the file's max-body-bytes was not applied")
    except urllib.error.HTTPError as e:
        assert e.code == 413
    assert server.stop() == 0


def test_every_problem_in_the_file_is_reported_with_its_line(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("prot: 8080\nthreads: 2\nallow-missing-features: maybe\nthreshold: {a: 1}\nconfig: other.yaml\n")
    out = run("serve", "--config", str(cfg))
    assert out.returncode == 2
    lines = [l for l in out.stderr.splitlines() if l.startswith("error:")]
    assert lines == [
        f"error: {cfg}:1: unknown option 'prot' (did you mean 'port'?)",
        f"error: {cfg}:3: allow-missing-features is a switch: use true or false, not 'maybe'",
        f"error: {cfg}:4: threshold takes a single value, not a mapping",
        f"error: {cfg}:5: a configuration file cannot name another (config)",
    ], out.stderr


def test_a_bad_value_from_the_file_names_the_option_and_where_it_came_from(tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("threads: 1\nport: eighty\n")
    out = run("serve", "--config", str(cfg))
    assert out.returncode != 0
    assert "'eighty' is invalid for '--port" in out.stderr
    assert f"--port 'eighty' came from {cfg}:2" in out.stderr


def test_range_checks_report_every_problem_at_once():
    out = run("serve", "--threshold", "2", "--max-body-bytes", "0", "--access-log-sample-rate", "3",
              env={"FRAUDSCORE_LOG_LEVEL": "loud"})
    assert out.returncode != 0
    for message in ("--threshold must be between 0 and 1, got 2.0", "--max-body-bytes must be positive, got 0",
                    "--access-log-sample-rate must be between 0 and 1, got 3.0", "--log-level must be one of"):
        assert message in out.stderr, out.stderr


def test_unreadable_or_invalid_yaml_is_refused(tmp_path):
    out = run("serve", "--config", str(tmp_path / "missing.yaml"))
    assert out.returncode == 2 and "cannot read the file" in out.stderr
    cfg = tmp_path / "broken.yaml"
    cfg.write_text("port: [8080\n")
    out = run("serve", "--config", str(cfg))
    assert out.returncode == 2 and "not valid YAML" in out.stderr


def test_config_print_masks_secrets_and_url_credentials(tmp_path):
    cfg = tmp_path / "fraudscore.yaml"
    cfg.write_text("s3-endpoint: https://minio:hunter2@minio.local:9000/\n")
    out = run("config", "print", "--config", str(cfg), env={"FRAUDSCORE_ADMIN_TOKEN": TOKEN})
    assert out.returncode == 0, out.stderr
    assert TOKEN not in out.stdout and "hunter2" not in out.stdout
    e = printed(out.stdout)
    assert e["admin-token"] == ('"****"', "environment FRAUDSCORE_ADMIN_TOKEN")
    assert e["s3-endpoint"] == ('"https://****@minio.local:9000/"', f"{cfg}:1")


def test_config_print_output_is_a_config_file_giving_the_same_values(tmp_path):
    first = run("config", "print", "--port", "9100", "--request-fields", "device_id", "--threshold", "0.7",
                "--allow-missing-features")
    assert first.returncode == 0, first.stderr
    saved = tmp_path / "effective.yaml"
    saved.write_text(first.stdout)
    second = run("config", "print", "--config", str(saved))
    assert second.returncode == 0, second.stderr
    values = lambda out: {k: v for k, (v, _) in printed(out).items()}
    assert values(second.stdout) == values(first.stdout)
    line = first.stdout.splitlines().index(next(l for l in first.stdout.splitlines() if l.startswith("threshold:"))) + 1
    assert printed(second.stdout)["threshold"] == ("0.7", f"{saved}:{line}")
