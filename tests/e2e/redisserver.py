"""A real Redis (Debian's redis-server) on a free loopback port, for the Redis feature store.

    r = RedisServer(tmp_path)          # started; r.url is redis://127.0.0.1:PORT/0
    r.kill(); r.start()                # SIGKILL, then the same port and data again (append-only
                                       # file, fsync on every write: what Redis acknowledged survives)
    r.stop()

Up means Redis logged "Ready to accept connections": no sleeps, no polling.
"""
import socket
import subprocess
from pathlib import Path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    def __init__(self, directory: Path, persistent=True):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.persistent = persistent
        self.proc = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--dir", str(self.directory),
             "--logfile", "", *persistence],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = []
        for line in self.proc.stdout:
            seen.append(line)
            if "Ready to accept connections" in line:
                break
        else:
            raise RuntimeError("redis-server did not start:\n" + "".join(seen))
        # Keep reading so that Redis never blocks on a full pipe.
        import threading
        threading.Thread(target=lambda p=self.proc: [None for _ in p.stdout], daemon=True).start()

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
