"""One event loop shares itself fairly: a client that keeps its socket full (a long pipeline) is
served a few reads at a time, and the loop's other connections are answered in between instead of
after it (Connection.readsPerTurn). With the budget removed, this test fails."""
import socket
import threading

from conftest import REPO

SAMPLE = (REPO / "examples/sample_request.json").read_bytes()
REQUEST = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
           % len(SAMPLE)) + SAMPLE
PIPELINED = 4000  # about 3 MB of requests: far more than one turn's reads


def count_responses(sock, total, counter, done):
    """Reads until `total` responses ("HTTP/1.1 200" status lines) have arrived."""
    tail = b""
    while counter[0] < total:
        chunk = sock.recv(1 << 16)
        if not chunk:
            break
        data = tail + chunk
        counter[0] += data.count(b"HTTP/1.1 200 ")
        tail = data[-12:]
    done.set()


def flood_and_probe(connect):
    flood = connect()
    counter, done = [0], threading.Event()
    reader = threading.Thread(target=count_responses, args=(flood, PIPELINED, counter, done), daemon=True)
    reader.start()
    writer = threading.Thread(target=flood.sendall, args=(REQUEST * PIPELINED,), daemon=True)
    writer.start()
    while counter[0] == 0 and not done.is_set():  # the flood is being served
        done.wait(0.001)
    probe = connect()
    probe.sendall(REQUEST)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += probe.recv(4096)
    served_before_probe = counter[0]
    done.wait(60)
    writer.join(60)
    probe.close()
    flood.close()
    return answer, served_before_probe, counter[0]


def test_a_pipelining_client_does_not_starve_its_loop(start_server):
    server = start_server("--port", "0", "--threads", "1")
    connect = lambda: socket.create_connection(("127.0.0.1", server.port), timeout=30)  # noqa: E731
    answer, before, total = flood_and_probe(connect)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert total == PIPELINED
    # Answered while most of the pipeline was still waiting, not after it.
    assert before < PIPELINED // 2, (before, total)
    assert server.stop() == 0
