"""A tiny loopback TCP proxy whose listener can be switched off and on again on the same port.

Used to simulate "storage down" / "storage back" for a backend (e.g. moto_server) that keeps its
state in memory, so it cannot be restarted without losing that state:

    proxy = TCPProxy("127.0.0.1", upstream_port)
    ... point the client at proxy.port ...
    proxy.pause()    # listener closed, open connections cut: new connects are refused
    proxy.resume()   # listening again on the SAME port; the upstream kept all its state
    proxy.close()

Bytes are forwarded verbatim, so SigV4 signatures (which cover the Host header, i.e. the proxy's
port) still verify upstream.
"""
import selectors
import socket
import struct
import threading
import time

_ACCEPT_POLL_SECONDS = 0.05
_REBIND_TIMEOUT_SECONDS = 5.0


class TCPProxy:
    def __init__(self, upstream_host, upstream_port, listen_host="127.0.0.1", port=0):
        self.upstream = (upstream_host, upstream_port)
        self.host = listen_host
        self.port = port  # 0: pick a free port on first listen, then keep it
        self._lock = threading.Lock()
        self._conns = set()  # every socket (client side and upstream side) currently open
        self._listener = None
        self._stop = None
        self._acceptor = None
        self._closed = False
        self.accepted = 0  # connections accepted since creation (handy in assertions)
        self._listen()

    # -- public API ---------------------------------------------------------------------------

    @property
    def paused(self):
        return self._listener is None

    @property
    def open_connections(self):
        """Client connections currently paired with an upstream connection."""
        with self._lock:
            return len(self._conns) // 2

    def pause(self, reset=True):
        """Stop listening and drop all open connections.

        After this returns, connecting to `port` is refused and every proxied connection is shut
        down both ways (the client reads EOF); with reset=True (default) the final close also
        sends RST (SO_LINGER 0), like a crashed peer.
        """
        if self._listener is None:
            return
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        self._listener = None
        with self._lock:
            conns, self._conns = list(self._conns), set()
        for s in conns:
            _kill(s, reset)

    def resume(self):
        """Listen again on the same port (bounded retry if the port is briefly unavailable)."""
        if self._closed:
            raise RuntimeError("proxy is closed")
        if self._listener is None:
            self._listen()

    def close(self):
        self.pause()
        self._closed = True

    @property
    def endpoint(self):
        return f"http://{self.host}:{self.port}"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- internals ----------------------------------------------------------------------------

    def _listen(self):
        deadline = time.monotonic() + _REBIND_TIMEOUT_SECONDS
        while True:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((self.host, self.port))
                break
            except OSError:
                s.close()
                if self.port == 0 or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        s.listen(128)
        s.setblocking(False)
        self.port = s.getsockname()[1]
        self._listener = s
        self._stop = threading.Event()
        self._acceptor = threading.Thread(target=self._accept_loop, args=(s, self._stop),
                                          name=f"tcpproxy-accept-{self.port}", daemon=True)
        self._acceptor.start()

    def _accept_loop(self, listener, stop):
        sel = selectors.DefaultSelector()
        sel.register(listener, selectors.EVENT_READ)
        try:
            while not stop.is_set():
                if not sel.select(timeout=_ACCEPT_POLL_SECONDS):
                    continue
                try:
                    client, _ = listener.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    return
                client.setblocking(True)
                self.accepted += 1
                threading.Thread(target=self._connect_upstream, args=(client, stop),
                                 name=f"tcpproxy-conn-{self.port}", daemon=True).start()
        finally:
            sel.close()

    def _connect_upstream(self, client, stop):
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
            upstream.settimeout(None)
        except OSError:
            _kill(client, reset=True)  # upstream down: the client sees a reset
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if stop.is_set():  # paused while we were connecting (even if resumed since)
                _kill(client, True)
                _kill(upstream, True)
                return
            self._conns.update((client, upstream))
        threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()
        self._pump(client, upstream)

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        # Half-close: tell the other side we're done sending; fully close when both ways ended.
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        with self._lock:
            self._conns.discard(src)
            done = dst not in self._conns
        if done:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass


def _kill(s, reset):
    # shutdown() (not just close()) is what wakes a thread blocked in recv() on this socket;
    # with SO_LINGER=0 the final close then sends RST instead of a graceful FIN.
    try:
        if reset:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        s.close()
    except OSError:
        pass
