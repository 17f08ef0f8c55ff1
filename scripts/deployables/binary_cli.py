"""The release binary's command line, read from its --help texts and run."""
import os
import re
import subprocess


class Cli:
    def __init__(self, binary):
        self.binary = binary
        top = self.run(["--help"]).stdout
        self.subcommands = re.findall(r"^  ([a-z][a-z-]*)(?: \(default\))?\s", top.split("SUBCOMMANDS:")[1], re.M)
        self.default = re.search(r"^  ([a-z][a-z-]*) \(default\)", top, re.M).group(1)

    def run(self, args, env=None, cwd=None):
        return subprocess.run([self.binary] + args, capture_output=True, text=True, timeout=60,
                              env=env if env is not None else {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
                              cwd=cwd)

    def help_of(self, args):
        """(the completed `BINARY ARGS --help`, the command its USAGE line names)."""
        out = self.run(args + ["--help"])
        usage = re.search(r"^USAGE: (.*)$", out.stdout, re.M)
        return out, (usage.group(1) if usage else "")

    def split(self, argv):
        """(subcommand, its arguments) of an argv after the binary."""
        if argv and argv[0] in self.subcommands:
            return argv[0], argv[1:]
        return self.default, argv


def options_of(help_text):
    """{--option: takes a value} from a --help text."""
    return {m.group(1): bool(m.group(2))
            for m in re.finditer(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)( <[^>]+>)?", help_text)}


def split_args(args, options):
    """({--option: value}, positionals) of args, given options_of the command."""
    opts, positionals, i = {}, [], 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            if options.get(name) and not eq:
                value = args[i + 1] if i + 1 < len(args) else ""
                i += 1
            opts[name] = value
        else:
            positionals.append(a)
        i += 1
    return opts, positionals
