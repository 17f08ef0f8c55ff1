"""The README's curl example returns the response the README shows."""
import re
import subprocess

from conftest import REPO


def test_readme_curl_example_matches_the_documented_response(start_server):
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```sh\n(curl [^`]*?/predict[^`]*?)\n```\s*\n```json\n(.*?)\n```", readme, re.S)
    assert block, "README has no curl example followed by its JSON response"
    command, documented = block.group(1), block.group(2).strip()
    server = start_server("--port", "0")
    command = command.replace("localhost:8080", f"127.0.0.1:{server.port}").replace("\\\n", " ")
    out = subprocess.run(command, shell=True, cwd=REPO, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == documented
    assert server.stop() == 0
