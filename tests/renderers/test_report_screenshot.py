"""The HTML report's graph, rendered by a real headless Chromium (Debian's ``chromium``).

Runs where /usr/bin/chromium exists (``apt-get install chromium``) and is skipped with
the reason otherwise.  The report is opened from a file with networking off; the PNG is
decoded here (zlib and the PNG filters, no imaging library) and checked: the page is not
blank, the graph's region holds drawing, and each box of the graph has dark pixels
(its name) inside its rectangle, so names are drawn whole where the layout put them.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from netverify.audit.run import audit
from netverify.loader import load_cluster
from netverify.renderers import RenderOptions, render
from netverify.renderers.audit_graph import build_graph
from netverify.renderers.audit_svg import layout

CHROMIUM = Path("/usr/bin/chromium")
APP = Path(__file__).resolve().parents[2] / "fixtures" / "online-boutique"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and shutil.which("chromium") is None,
                                reason="Chromium is not installed (apt-get install chromium); "
                                       "the structural test of the graph still runs")


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB(A) rows of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (n,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and color in (2, 6)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i] for i in range(len(r)) if i % channels < 3) for r in rows]


def dark(rows: list[bytes], x0: float, y0: float, x1: float, y1: float) -> int:
    """Pixels in the rectangle darker than the light box fills (text, lines, arrows)."""
    n = 0
    for y in range(int(y0), int(y1)):
        row = rows[y]
        for x in range(int(x0), int(x1)):
            r, g, b = row[3 * x:3 * x + 3]
            n += r + g + b < 300
    return n


def test_chromium_draws_every_box_and_its_name(tmp_path: Path):
    report = audit(load_cluster([str(APP)]), only={"NV101"})
    graph = build_graph(report)
    assert graph is not None
    pic = layout(graph, report.entry_points)
    html = render(report, "html", RenderOptions())
    # The report's own style and its graph alone at the top left, at scale 1, so that
    # the picture's coordinates are the screenshot's pixels.
    style = html[html.index("<style>"):html.index("</style>") + 8]
    svg = html[html.index("<svg"):html.index("</svg>") + 6]
    page = tmp_path / "graph.html"
    page.write_text(f"<!DOCTYPE html><html><head>{style}<style>body {{ margin: 0; "
                    "max-width: none; padding: 0 } svg { max-width: none; border: 0 }"
                    f"</style></head><body>{svg}</body></html>")
    width, height = int(pic.width) + 20, int(pic.height) + 20
    shot = tmp_path / "graph.png"
    subprocess.run([str(CHROMIUM if CHROMIUM.exists() else shutil.which("chromium")),
                    "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    "--hide-scrollbars", f"--screenshot={shot}",
                    f"--window-size={width},{height}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    w, h, rows = read_png(shot.read_bytes())
    assert (w, h) == (width, height)
    assert dark(rows, 0, 0, w, h) > 2000  # not blank
    assert dark(rows, 0, pic.height + 5, w, h) == 0  # nothing below the picture
    for box in pic.boxes:  # every box has its name drawn inside it
        assert dark(rows, box.x + 3, box.y + 3, box.x + box.w - 3, box.y + box.h - 3) > 20, \
            box.lines
    for lk in pic.links:  # and every edge its ports
        assert dark(rows, lk.lx, lk.ly, lk.lx + lk.lw, lk.ly + lk.lh) > 5, lk.label
