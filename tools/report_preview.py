"""Render the HTML report in headless Chromium, over the DevTools protocol, and say what a reader would see.

``make report-preview`` writes a screenshot per width to dist/; the browser test (tests/functional/
test_demo_report.py) checks the same measurements. Offline: Chromium (Debian package ``chromium``)
and websocket-client, nothing fetched.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websocket

from tools.simulator.template import ROOT

WIDTHS = (1280, 390)
BROWSERS = ("chromium", "chromium-browser", "google-chrome")

# What the page looks like to a reader, measured in the page itself (no script of the report's own).
MEASURE = """(() => {
  const doc = document.documentElement;
  // Tables folded away in <details> are opened first, so every table is measured.
  document.querySelectorAll('details').forEach(d => { if (d.querySelector('table')) d.open = true; });
  const charts = [...document.querySelectorAll('svg')].filter(s => !s.closest('svg svg') && s.closest('body'))
    .filter(s => s.parentElement.closest('svg') === null).map(s => {
      const box = s.getBoundingClientRect();
      const title = s.querySelector(':scope > title');
      return {width: box.width, height: box.height, title: title ? title.textContent : null};
    });
  const pageWidth = doc.clientWidth;
  const pen = document.createElement('canvas').getContext('2d');
  const text = el => el.textContent.trim();
  // A word is broken when one word of a cell (at most 15 characters) is laid out on two lines at a point other
  // than after a hyphen or a slash ("(unta" / "gged)"). Text inside a closed <details> is not shown: not checked.
  const lineOf = (node, i) => {
    const range = document.createRange();
    range.setStart(node, i);
    range.setEnd(node, i + 1);
    const box = [...range.getClientRects()].find(r => r.width > 0);
    return box ? Math.round(box.top) : null;
  };
  const brokenWords = cell => {
    const found = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const closed = node.parentElement.closest('details:not([open])');
      if (closed && !node.parentElement.closest('summary')) continue;
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        if (m[0].length > 15) continue;
        for (let k = 1; k < m[0].length; k++) {
          const before = lineOf(node, m.index + k - 1), after = lineOf(node, m.index + k);
          if (before !== null && after !== null && before !== after && !'-/'.includes(m[0][k - 1])) {
            found.push(m[0]);
            break;
          }
        }
      }
    }
    return found;
  };
  const tables = [...document.querySelectorAll('table')].map(t => {
    const heads = [...t.querySelectorAll('thead th')];
    const headBoxes = heads.map(h => h.getBoundingClientRect());
    const headBox = t.querySelector('thead').getBoundingClientRect();
    const cards = headBox.width <= 1 && headBox.height <= 1;  // the header row is hidden: rows read as cards
    const misplaced = [], clipped = [], broken = [];
    const rows = [...t.querySelectorAll('tbody tr')];
    rows.forEach((tr, r) => {
      [...tr.children].forEach((td, i) => {
        const head = heads[i];
        const box = td.getBoundingClientRect();
        if (!head) { misplaced.push({row: r, column: i, why: 'a cell with no header'}); return; }
        if (cards) {
          // A card: the cell is labelled with its column's header, and sits inside its row.
          const label = getComputedStyle(td, '::before').content;
          const row = tr.getBoundingClientRect();
          if (label !== JSON.stringify(text(head)))
            misplaced.push({row: r, column: i, header: text(head), label});
          if (box.left < row.left - 1 || box.right > row.right + 1)
            misplaced.push({row: r, column: i, header: text(head), why: 'outside its card'});
          // The label's longest word must fit its own grid column (it may wrap between words), never run into
          // the value beside it.
          const style = getComputedStyle(td, '::before');
          pen.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          const room = parseFloat(getComputedStyle(td).gridTemplateColumns.split(' ')[0]);
          if (Math.max(...text(head).split(/\\s+/).map(w => pen.measureText(w).width)) > room + 1)
            misplaced.push({row: r, column: i, header: text(head), why: 'label wider than its column', room});
        } else {
          const h = headBoxes[i];
          const align = [getComputedStyle(head).textAlign, getComputedStyle(td).textAlign];
          if (Math.abs(h.left - box.left) > 1 || Math.abs(h.right - box.right) > 1 || align[0] !== align[1])
            misplaced.push({row: r, column: i, header: text(head), head: [h.left, h.right],
                            cell: [box.left, box.right], align});
        }
        if (box.right > pageWidth + 0.5 || td.scrollWidth > td.clientWidth + 1)
          clipped.push({row: r, column: i, right: box.right, scroll: td.scrollWidth, client: td.clientWidth});
        broken.push(...brokenWords(td));
      });
    });
    const box = t.getBoundingClientRect();
    return {headers: heads.length, names: heads.map(h => text(h)), rows: rows.length, cards,
            misplaced: misplaced.slice(0, 20),
            misplaced_count: misplaced.length, clipped: clipped.slice(0, 20), broken_words: broken.slice(0, 20),
            left: box.left, right: box.right};
  });
  return JSON.stringify({
    viewport: window.innerWidth, scroll_width: doc.scrollWidth, body_scroll_width: document.body.scrollWidth,
    height: doc.scrollHeight, charts, tables, title: document.title,
  });
})()"""


def browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class Rendering:
    width: int
    viewport: int
    scroll_width: int
    height: int
    charts: list[dict[str, Any]]
    tables: list[dict[str, Any]]
    console_errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""


class DevTools:
    """One page target of a headless Chromium, driven by DevTools protocol commands."""

    def __init__(self, url: str) -> None:
        self._ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self._id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == event for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} within {timeout} s")
            self.events.append(json.loads(self._ws.recv()))

    def close(self) -> None:
        self._ws.close()


@contextmanager
def chromium() -> Iterator[DevTools]:
    """A headless Chromium with remote debugging on a free port, and its first page."""
    executable = browser()
    if executable is None:
        raise RuntimeError("Chromium is not installed: apt-get install -y chromium (.ci/run does it)")
    # Chromium's helper processes (renderer, crashpad) may still write to the profile for a moment after the
    # browser exits: the whole process group is ended, and the profile removed with a few tries.
    with tempfile.TemporaryDirectory(prefix="ecoguard-chromium-", ignore_cleanup_errors=True) as profile:
        process = subprocess.Popen(  # noqa: S603 - a fixed argument list, no shell
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-sync",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            port = _debugging_port(Path(profile), process)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
                targets = json.loads(response.read())
            page = next(t for t in targets if t.get("type") == "page")
            tools = DevTools(page["webSocketDebuggerUrl"])
            try:
                yield tools
            finally:
                tools.close()
        finally:
            _end(process)
            _remove(Path(profile))


def _end(process: subprocess.Popen[bytes]) -> None:
    """End Chromium and every process it started (its own session's group)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _remove(profile: Path) -> None:
    for _ in range(5):
        shutil.rmtree(profile, ignore_errors=True)
        if not profile.exists():
            return
        time.sleep(0.2)


def _debugging_port(profile: Path, process: subprocess.Popen[bytes], timeout: float = 30) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Chromium exited with {process.returncode}")
        if marker.exists():
            lines = marker.read_text().splitlines()
            if lines and lines[0].isdigit():
                return int(lines[0])
        time.sleep(0.1)
    raise TimeoutError("Chromium did not open its DevTools port")


def render(page: Path, widths: tuple[int, ...] = WIDTHS) -> list[Rendering]:
    """Load ``page`` at each width; measure it, collect console errors, take a full-page screenshot."""
    renderings = []
    with chromium() as tools:
        tools.call("Page.enable")
        tools.call("Runtime.enable")
        tools.call("Log.enable")
        for width in widths:
            tools.events.clear()
            tools.call(
                "Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 600
            )
            tools.call("Page.navigate", url=page.resolve().as_uri())
            tools.wait_for("Page.loadEventFired")
            measured = json.loads(
                tools.call("Runtime.evaluate", expression=MEASURE, returnByValue=True)["result"]["value"]
            )
            metrics = tools.call("Page.getLayoutMetrics")["cssContentSize"]
            shot = tools.call(
                "Page.captureScreenshot",
                format="png",
                captureBeyondViewport=True,
                clip={"x": 0, "y": 0, "width": width, "height": metrics["height"], "scale": 1},
            )
            renderings.append(
                Rendering(
                    width=width,
                    viewport=measured["viewport"],
                    scroll_width=max(measured["scroll_width"], measured["body_scroll_width"]),
                    height=measured["height"],
                    charts=measured["charts"],
                    tables=measured["tables"],
                    console_errors=_errors(tools.events),
                    screenshot=base64.b64decode(shot["data"]),
                )
            )
    return renderings


def _errors(events: list[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(str(params.get("exceptionDetails", {}).get("text")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(str(params["entry"].get("text")))
    return errors


def main() -> None:
    page = ROOT / "dist" / "ecoguard-report.html"
    if not page.exists():
        raise SystemExit(f"{page} is missing: run `make demo` first")
    for rendering in render(page):
        path = ROOT / "dist" / f"ecoguard-report-{rendering.width}px.png"
        path.write_bytes(rendering.screenshot)
        print(
            f"{path.relative_to(ROOT)}: {rendering.width} px wide, page {rendering.scroll_width} px x "
            f"{rendering.height} px, {len(rendering.charts)} chart(s), {len(rendering.tables)} table(s), "
            f"{len(rendering.console_errors)} console error(s), "
            f"{sum(t['misplaced_count'] for t in rendering.tables)} cell(s) not under their header, "
            f"{sum(len(t['clipped']) for t in rendering.tables)} clipped, "
            f"{sum(len(t['broken_words']) for t in rendering.tables)} broken word(s)"
        )


if __name__ == "__main__":
    main()
