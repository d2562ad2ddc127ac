"""The chart worker: its own process, turning Vega-Lite specs into SVG with vl-convert.

Its argument is a folder of fonts to measure labels with (defectkb.chartfont). Each request on
stdin is a length line and a JSON document, `[key, spec]`; each answer on stdout
is one JSON line, `[key, svg, seconds, error]`, in order. It runs as a script and imports
vl-convert and nothing else, neither MkDocs nor the rest of this package: its memory is the
renderer's alone (`defectkb.charts.Renderer` starts it).
"""

from __future__ import annotations

import json
import os
import sys
import time

# V8's heap grows with the renders (~75 MiB after the first, ~125 after 25, ~130 after a hundred):
# after this many the worker starts afresh, in the same process and pipes (exec), for about a
# second. A site has a hundred charts or so (per product, department and PM), so this bounds the
# worker of a large organisation's build without slowing a small one's; restarting every 25 charts
# saved ~7 MiB at 1,000 entries but made the build wait ~6 s longer for its charts.
RENDERS_PER_PROCESS = 100


def _read(size: int) -> bytes:
    """Exactly `size` bytes of stdin, unbuffered: nothing read ahead is lost when the process execs."""
    chunks = []
    while size > 0:
        chunk = os.read(0, size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_length() -> int:
    digits = b""
    while (byte := _read(1)) != b"\n":
        digits += byte
    return int(digits)


def main() -> None:
    import vl_convert

    if len(sys.argv) > 1:  # the fonts charts are measured with (defectkb.chartfont)
        vl_convert.register_font_directory(sys.argv[1])
    for _ in range(RENDERS_PER_PROCESS):
        try:
            key, spec = json.loads(_read(_read_length()))
        except EOFError:
            return
        t0 = time.perf_counter()
        try:
            reply = [key, vl_convert.vegalite_to_svg(spec), time.perf_counter() - t0, None]
        except Exception as exc:  # the parent renders this one itself, and reports what went wrong
            reply = [key, None, 0.0, f"{type(exc).__name__}: {exc}"]
        data = (json.dumps(reply) + "\n").encode("ascii")  # ASCII: no encoding between the processes
        while data:
            data = data[os.write(1, data):]
    os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]])


if __name__ == "__main__":
    main()
