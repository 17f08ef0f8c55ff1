"""Cases for RFC 7541 (HPACK): field blocks built by hand that a decoder must reject with a connection error
COMPRESSION_ERROR, and valid ones an encoder seldom sends."""
from .frames import COMPRESSION_ERROR, HEADER_TABLE_SIZE, hp_int, hp_str, plain_block
from .shapes import sends
from .suite import case
from .verdicts import connection_error, response, response_end


def bad_block(cid, description, block, note):
    """Registers the case that sends the field block `block(t)` (described by `note`): COMPRESSION_ERROR."""
    @case(cid, description)
    def _(t):
        c = t.open()
        c.send_headers(1, block=block(t), note=note)
        return connection_error(c, COMPRESSION_ERROR)


def good_block(cid, description, block, note):
    """Registers the case that sends the field block `block(c)` (described by `note`): request served."""
    sends(cid, description, lambda c: c.send_headers(1, block=block(c), note=note), response, 1)


def around_method(t, representation):
    """A GET of --path with `representation` right after :method."""
    return plain_block([(":method", "GET")]) + representation + plain_block(
        [(":scheme", t.scheme), (":path", t.path), (":authority", t.authority)])


def huffman_value(t, octets):
    """A GET of --path plus x-test with the Huffman-coded value `octets`, as they are."""
    return plain_block(t.request()) + b"\x00" + hp_str("x-test") + hp_str(None, huffman_bytes=octets)


bad_block("hpack/2.3.3/1", "Sends an indexed header field with an index beyond both tables: COMPRESSION_ERROR",
          lambda t: around_method(t, hp_int(200, 7, 0x80)), "GET with indexed field 200")
bad_block("hpack/2.3.3/2", "Sends a literal header field whose indexed name is beyond both tables: COMPRESSION_ERROR",
          lambda t: around_method(t, hp_int(200, 6, 0x40) + hp_str("x")), "GET with literal, name index 200")


@case("hpack/4.2/1", "Sends a dynamic table size update larger than SETTINGS_HEADER_TABLE_SIZE: COMPRESSION_ERROR")
def _(t):
    c = t.open()
    size = c.setting(HEADER_TABLE_SIZE, 4096) + 1
    c.send_headers(1, block=hp_int(size, 5, 0x20) + plain_block(c.request()), note=f"table size update to {size} "
                                                                                 f"+ GET")
    return connection_error(c, COMPRESSION_ERROR)


bad_block("hpack/5.2/1", "Sends a Huffman-encoded string literal containing the EOS symbol: COMPRESSION_ERROR",
          lambda t: huffman_value(t, b"\xff\xff\xff\xff"), "GET + value Huffman 0xffffffff (EOS)")
# 'a' is 00011 (5 bits); then 11 one-bits of padding
bad_block("hpack/5.2/2", "Sends a Huffman-encoded string literal with padding longer than 7 bits: COMPRESSION_ERROR",
          lambda t: huffman_value(t, b"\x1f\xff"), "GET + value Huffman 'a' + 11 bits of padding")
bad_block("hpack/5.2/3", "Sends a Huffman-encoded string literal padded with zeros (not the EOS prefix): "
                         "COMPRESSION_ERROR", lambda t: huffman_value(t, b"\x18"),
          "GET + value Huffman 'a' + 000 padding")
good_block("hpack/5.2/4", "Sends a request with every string Huffman-encoded: request served",
           lambda c: c.encode(c.request(), huffman=True), "GET, Huffman-encoded")
bad_block("hpack/6.1/1", "Sends an indexed header field with index 0: COMPRESSION_ERROR",
          lambda t: b"\x80" + plain_block(t.request()), "index 0 + GET")
good_block("hpack/6.2.3/1", "Sends literal header fields never indexed: request served",
           lambda c: b"".join(b"\x10" + hp_str(n) + hp_str(v) for n, v in c.request()),
           "GET, every field 'never indexed'")
bad_block("hpack/6.3/1", "Sends a dynamic table size update at the end of a header block: COMPRESSION_ERROR",
          lambda t: plain_block(t.request()) + hp_int(0, 5, 0x20), "GET + table size update to 0")
good_block("hpack/6.3/2", "Sends a dynamic table size update (to 0) at the start of a header block: request served",
           lambda c: hp_int(0, 5, 0x20) + plain_block(c.request()), "table size update to 0 + GET")


@case("hpack/2.3.2/1", "Sends a second request that references the dynamic table entries of the first: both served")
def _(t):
    c = t.open()
    c.send_headers(1, headers=c.request(extra=[("x-custom", "indexed-value")]))
    response_end(c, 1)
    c.send_headers(3, headers=c.request(extra=[("x-custom", "indexed-value")]))
    return response(c, 3)
