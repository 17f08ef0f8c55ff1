"""Shapes that many cases share, each registering a case in one call: `sends` one frame on a fresh connection
(after bringing stream 1 into a state), or sends a field block `interrupted` by another frame."""
from .frames import CANCEL, PROTOCOL_ERROR, plain_block
from .suite import case
from .verdicts import connection_error, response_end


def sends(cid, description, frame, verdict, *args, after=None, note=None):
    """Registers the case that, on a fresh connection, runs `after(c)` if given, then sends `frame` -- ready-made
    octets (described by `note`, or by their frame headers) or a function that sends on `c` -- and returns
    `verdict(c, *args)`."""
    @case(cid, description)
    def _(t):
        c = t.open()
        if after:
            after(c)
        if callable(frame):
            frame(c)
        else:
            c.send(frame, note)
        return verdict(c, *args)


def interrupted(cid, description, interrupt):
    """Registers the case that splits a GET's field block after 3 octets and sends `interrupt(c)` between the
    HEADERS and its CONTINUATION: connection error PROTOCOL_ERROR (RFC 9113 6.10)."""
    @case(cid, description)
    def _(t):
        c = t.open()
        block = c.encode(c.request())
        c.send_headers(1, block=block[:3], end_headers=False)
        interrupt(c)
        c.send_continuation(1, block[3:])
        return connection_error(c, PROTOCOL_ERROR)


# States of stream 1, for `after`

def open_stream(c):
    """A GET of --path without END_STREAM: stream 1 open."""
    c.send_headers(1, end_stream=False)


def half_closed(c):
    """A GET of --path with END_STREAM: stream 1 half closed (remote)."""
    c.send_headers(1)


def reset(c):
    """A GET of --path without END_STREAM, then RST_STREAM(CANCEL): stream 1 closed by the client."""
    c.send_headers(1, end_stream=False)
    c.send_rst(1, CANCEL)


def answered(c):
    """A GET of --path answered in full: stream 1 closed by END_STREAM both ways."""
    c.send_headers(1)
    response_end(c, 1)


# Frames on stream 1, for `frame`

def data(c):
    """DATA with 4 octets and END_STREAM."""
    c.send_data(1, b"test")


def continuation(c):
    """A CONTINUATION with END_HEADERS and one field (x-test: 1)."""
    c.send_continuation(1, plain_block([("x-test", "1")]))
