"""Protobuf's wire format, enough to write ModelInferRequests by hand (malformed ones included):
used by tests/e2e/test_grpc_errors.py and scripts/make_fuzz_seeds.py."""
import struct


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, payload, wire=2):
    """A field: length-delimited (wire 2) by default, or a varint's bytes as they are (wire 0)."""
    payload = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | wire) + (varint(len(payload)) if wire == 2 else b"") + payload


def tensor(name, datatype, shape, contents=None):
    """An InferInputTensor; `contents` is an encoded InferTensorContents."""
    t = field(1, name) + field(2, datatype) + field(3, b"".join(varint(d) for d in shape))
    return t + (field(5, contents) if contents is not None else b"")


def framed(message):
    """A gRPC message with its 5-byte prefix (uncompressed)."""
    return b"\x00" + struct.pack(">I", len(message)) + message
