"""compose_check.py COMPOSE-FILE DOCKERFILE BINARY: the compose stack's commands, checked like a manifest.

Each service built from the Dockerfile runs past the real binary (compose_commands.py); the
environment each one needs must be there and agree: S3 credentials equal to the storage's,
endpoints naming services of the stack, the published repository being the one served, the bucket
created, the start order (compose_stack.py).
"""
import sys
from urllib.parse import urlsplit

from binary_cli import Cli
from compose_commands import Commands
from compose_stack import Stack
from dockerfile_image import BIN_IN_IMAGE, Image
from report import Problems


def completed_first(stack, name, other):
    path = stack.needs(name, other)
    return path is not None and path[0] == "service_completed_successfully"


def check_order(stack, commands):
    """What is served is published first, into a bucket created first."""
    for repo, (name, host) in commands.served.items():
        if repo not in commands.published:
            stack.problem(name, f"serves {repo}, which no service of the stack publishes")
            continue
        publisher, publisher_host = commands.published[repo]
        if host != publisher_host:
            stack.problem(name, f"reads {repo} from {host}, {publisher} publishes it to {publisher_host}")
        if not completed_first(stack, name, publisher):
            stack.problem(name, f"must start after {publisher} completed "
                                "(depends_on condition service_completed_successfully)")
    for repo, (name, host) in commands.published.items():
        bucket = urlsplit(repo).netloc
        creator = stack.buckets.get((host, bucket))
        if creator is None:
            stack.problem(name, f"publishes into bucket {bucket}, which no service creates")
        elif not completed_first(stack, name, creator):
            stack.problem(name, f"must start after {creator} created the bucket "
                                "(depends_on condition service_completed_successfully)")


def main(compose_path, dockerfile, binary):
    problems = Problems()
    image = Image(dockerfile)
    problems.need(image.installs_binary(),
                  f"{dockerfile}: does not install the binary at {BIN_IN_IMAGE}; this check maps that path to {binary}")
    cli = Cli(binary)
    stack = Stack(compose_path, dockerfile, problems)
    stack.find_storage()
    commands = Commands(stack, image, cli)
    for name, svc in stack.services.items():
        if stack.ours(svc):
            commands.check(name, svc)
        else:
            stack.check_bucket_creation(name, svc)
    check_order(stack, commands)
    print("\n".join(commands.notes))
    problems.exit_if_any(lambda n: f"{compose_path}: {n} problems")
    ours = sum(stack.ours(s) for s in stack.services.values())
    print(f"{compose_path}: {len(stack.services)} services, the commands of {ours} checked with {binary}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
