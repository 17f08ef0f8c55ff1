#!/usr/bin/env python3
"""Draws docs/architecture.svg from the text below: the path of one POST /predict, left to right
by module, top to bottom in time. Run: python3 docs/architecture/diagram.py (no dependencies)."""
from pathlib import Path

# Columns: the modules, in import order (a module may import those to its right only... see
# docs/architecture.md). Each step: (column, text). Consecutive steps are joined by arrows.
COLUMNS = ["HTTPServer", "FraudScore", "JSON", "Models", "ModelStore"]
STEPS = [
    (0, "EventLoop: epoll_wait reports the socket readable"),
    (0, "Connection: recv(2) / TLSStream; state sniffing → http1 | http2"),
    (0, "HTTP1Parser (or HTTP2Session via nghttp2) → HTTPRequest"),
    (0, "RequestDispatcher: request id, in flight +1, Router.resolve"),
    (1, "PredictHandler: content type, body limits"),
    (2, "JSONScanner: the body's members, numbers, UTF-8"),
    (1, "TransactionDecoder → feature row (the schema's order)"),
    (1, "ServingModel: the model swapped in last (Mutex read)"),
    (3, "TreeEnsemble / ONNX graph: margin → probability"),
    (1, "decision (threshold) → JSON body (JSONWriter)"),
    (0, "RequestDispatcher.finish: metrics, access log"),
    (0, "ResponseEncoder into the output buffer; flushed at the end of the loop's batch"),
]
SIDE = [
    (4, "ModelManager thread: polls the repository, loads, checks, swaps (ServingModel)"),
]

W, COLW, ROWH, TOP = 1110, 220, 58, 70


def esc(t):
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap(text, width=34):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line]


def box(x, y, w, h, text, fill):
    parts = [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="#445" />']
    for k, line in enumerate(wrap(text)):
        parts.append(f'<text x="{x+6}" y="{y+14+k*13}" font-family="sans-serif" font-size="11">{esc(line)}</text>')
    return "".join(parts)


def main():
    height = TOP + ROWH * (len(STEPS) + 2)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" viewBox="0 0 {W} {height}">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
           '<path d="M0,0 L8,4 L0,8 z" fill="#445"/></marker></defs>',
           '<text x="10" y="22" font-family="sans-serif" font-size="15">One POST /predict, socket to response</text>']
    for i, name in enumerate(COLUMNS):
        x = i * COLW + 10
        out.append(f'<rect x="{x}" y="34" width="{COLW-10}" height="{height-44}" fill="#f4f6fa" stroke="#ccd"/>')
        out.append(f'<text x="{x+8}" y="52" font-family="monospace" font-size="13">{name}</text>')
    prev = None
    for row, (col, text) in enumerate(STEPS):
        x, y = col * COLW + 18, TOP + row * ROWH
        out.append(box(x, y, COLW - 26, ROWH - 12, text, "#dde8ff"))
        if prev:
            px, py = prev
            out.append(f'<line x1="{px + (COLW-26)//2}" y1="{py + ROWH - 12}" x2="{x + (COLW-26)//2}" y2="{y}" '
                       'stroke="#445" marker-end="url(#a)"/>')
        prev = (x, y)
    for col, text in SIDE:
        x, y = col * COLW + 18, TOP + 7 * ROWH
        out.append(box(x, y, COLW - 26, ROWH * 2 - 12, text, "#ffeccc"))
        out.append(f'<line x1="{x}" y1="{y + ROWH - 6}" x2="{1 * COLW + 18 + COLW - 26}" y2="{y + 6}" '
                   'stroke="#a60" stroke-dasharray="4 3" marker-end="url(#a)"/>')
    out.append('</svg>')
    Path(__file__).resolve().parent.parent.joinpath("architecture.svg").write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
