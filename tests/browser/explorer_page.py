"""Reading and driving an rlexplore page in Playwright, through the explorer's stable CSS classes.

Every wait fails fast, with the message shown, when the page holds a Python traceback or a
widget that could not render, instead of running into its timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

RENDER_TIMEOUT = 90.0  # first render: a cold kernel import of rlexplore, bqplot, xarray
CHANGE_TIMEOUT = 20.0  # one kernel round trip after a mouse action

ERRORS_JS = """() => {
  const found = [];
  const outputs = document.querySelectorAll(
    '[data-mime-type="application/vnd.jupyter.stderr"], [data-mime-type="application/vnd.jupyter.error"]');
  for (const el of outputs) {
    const text = el.textContent || '';
    if (text.includes('Traceback') || el.dataset.mimeType.endsWith('error')) found.push(text.slice(0, 3000));
  }
  const body = document.body ? document.body.innerText : '';
  for (const sign of ['Click to show javascript error', 'Error displaying widget', 'Failed to load model class',
                      'No version of module']) {
    if (body.includes(sign)) found.push(sign);
  }
  return found;
}"""


class PageError(AssertionError):
    """The page shows an error, or a condition did not come true in time."""


def check(page) -> None:
    """Raise at once if the page shows a traceback or a broken widget, or ran a dialog."""
    found = page.evaluate(ERRORS_JS) + list(getattr(page, "rlx_errors", []))
    if found:
        raise PageError("the page shows errors:\n" + "\n---\n".join(found))


def wait_until(
    page, condition: Callable[[], Any], what: str, timeout: float = CHANGE_TIMEOUT
) -> Any:
    """Poll `condition` (Python, usually reading the DOM) until truthy; return its value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        check(page)
        try:
            last = condition()
        except PageError:
            raise
        except Exception as err:  # noqa: BLE001  (the DOM is mid-update; try again)
            last = err
        if last and not isinstance(last, Exception):
            return last
        if time.monotonic() > deadline:
            raise PageError(
                f"timed out after {timeout:.0f} s waiting for {what}; last seen: {last!r}"
            )
        page.wait_for_timeout(100)


def open_app(page, url: str, timeout: float = RENDER_TIMEOUT) -> dict:
    """Open `url` and wait until every panel has drawn its lines and stopped redrawing them
    (the page redraws once it has measured its width); return the first status.
    """
    page.goto(url, wait_until="commit")
    wait_until(page, lambda: panels_drawn(page), "every panel to draw its lines", timeout)
    settled_counts(page, timeout)
    return wait_until(page, lambda: status(page), "the status widget", timeout)


def settled_counts(page, timeout: float = CHANGE_TIMEOUT) -> list[int]:
    """:func:`line_counts` once it is the same three reads in a row, 150 ms apart.

    A panel redraws its lines as new paths before it removes the old ones (a frame apart at
    most): a read in between sees both, or the new ones before their path is written.
    """
    seen: list[list[int]] = []

    def steady():
        seen.append(line_counts(page))
        return len(seen) >= 3 and seen[-1] == seen[-2] == seen[-3] and seen[-1]

    def wait():
        page.wait_for_timeout(150)
        return steady()

    return wait_until(page, wait, "the lines to stop changing", timeout)


def panels_drawn(page) -> bool:
    counts = line_counts(page)
    return bool(counts) and all(n > 0 for n in counts)


def line_counts(page) -> list[int]:
    """How many drawn ``path.line`` each panel holds, in panel order (hidden runs draw none:
    a line mark may keep a hidden run's row, at opacity 0).
    """
    return page.evaluate(
        """() => [...document.querySelectorAll('.rlx-panel')]
              .sort((a, b) => _idx(a) - _idx(b))
              .map(p => [...p.querySelectorAll('path.line')].filter(l => (l.getAttribute('d') || '').length > 2
                    && !l.closest('g[style*="display: none"]') && getComputedStyle(l).visibility !== 'hidden'
                    && getComputedStyle(l).opacity !== '0').length);
           function _idx(el) { const m = [...el.classList].map(c => /^rlx-panel-(\\d+)$/.exec(c)).find(Boolean);
                               return m ? +m[1] : 0; }"""
    )


def status(page) -> dict | None:
    """The kernel-side state the explorer publishes in ``.rlx-status`` (``STATE <json>``)."""
    text = page.evaluate(
        "() => { const s = document.querySelector('.rlx-status'); return s ? s.textContent : null; }"
    )
    if not text or "STATE " not in text:
        return None
    return json.loads(text.split("STATE ", 1)[1])


def wait_for_status(
    page, predicate: Callable[[dict], Any], what: str, timeout: float = CHANGE_TIMEOUT
) -> dict:
    """Wait until the published state satisfies `predicate`; return it."""
    return wait_until(
        page, lambda: (lambda s: s if s and predicate(s) else None)(status(page)), what, timeout
    )


def x_tick_labels(page, panel: int, label: str = "step") -> list[float]:
    """The numeric tick labels of panel `panel`'s x axis, found by its label (axis order varies)."""
    texts = page.evaluate(
        """([panel, label]) => {
             const axes = [...document.querySelectorAll(`.rlx-panel-${panel} g.axis`)];
             const x = axes.find(a => (a.querySelector('.axislabel') || {}).textContent === label);
             return x ? [...x.querySelectorAll('.tick text')].map(t => t.textContent) : [];
           }""",
        [panel, label],
    )
    return [v for v in map(_number, texts) if v is not None]


def drawn_lines(page, panel: int) -> list[tuple[str, str, str]]:
    """``(stroke colour as #rrggbb, "raw" | "smoothed", path d)`` of every line drawn in panel `panel`.

    The explorer draws the raw line faint (opacity below 1) under the smoothed one; a hidden
    run's row may stay in its mark at opacity 0, and is not listed.
    """
    styles = page.eval_on_selector_all(
        f".rlx-panel-{panel} path.line",
        """ls => ls.filter(l => (l.getAttribute('d') || '').length > 2 && !l.closest('g[style*="display: none"]')
                          && getComputedStyle(l).opacity !== '0')
                 .map(l => { const s = getComputedStyle(l); return [s.stroke, s.opacity, l.getAttribute('d')]; })""",
    )
    return [
        (_hex(stroke), "raw" if float(opacity) < 1 else "smoothed", d)
        for stroke, opacity, d in styles
    ]


def _hex(css_color: str) -> str:
    parts = [
        int(float(v))
        for v in css_color[css_color.index("(") + 1 : css_color.index(")")].split(",")[:3]
    ]
    return "#" + "".join(f"{v:02X}" for v in parts)


def drag_slider(page, selector: str, fraction: float) -> None:
    """Drag the noUiSlider handle in `selector` to `fraction` of its track."""
    handle = page.locator(f"{selector} .noUi-handle").first
    track = page.locator(f"{selector} .noUi-base").first
    handle.scroll_into_view_if_needed()
    box, base = handle.bounding_box(), track.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(base["x"] + fraction * base["width"], box["y"] + box["height"] / 2, steps=10)
    page.mouse.up()


def drag_brush(page, panel: int, start: float, end: float) -> None:
    """Drag across panel `panel`'s brush overlay from `start` to `end` (fractions of its width)."""
    overlay = page.locator(f".rlx-panel-{panel} g.selector rect.overlay").first
    overlay.scroll_into_view_if_needed()
    box = overlay.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + start * box["width"], y)
    page.mouse.down()
    page.mouse.move(box["x"] + end * box["width"], y, steps=12)
    page.mouse.up()


def _number(text: str) -> float | None:
    text = (text or "").replace("\u2212", "-").replace(",", "").strip()
    scale = 1.0
    if text[-1:] in "kKM" and text[:-1]:
        scale, text = (1e6 if text[-1] == "M" else 1e3), text[:-1]
    try:
        return float(text) * scale
    except ValueError:
        return None


def write_notebook(path, code: str):
    """A one-cell notebook of `code` for Voila (a python3 kernel), written to `path`; returns it."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(code)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path
