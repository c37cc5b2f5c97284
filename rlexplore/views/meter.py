"""The explorer's real width, measured in the browser (a ResizeObserver in a tiny anywidget).

Lines are downsampled to the pixel columns a panel really has: the kernel cannot know
them, so the page reports the width of the explorer (``width``, in CSS pixels; 0 until a
page has shown it) when it first renders and whenever it changes by a few pixels.
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = """
export default {
  render({ model, el }) {
    el.style.width = "100%";
    el.style.height = "0px";
    let timer = null;
    const send = (w) => {
      if (w > 0 && Math.abs(w - model.get("width")) >= model.get("tolerance")) {
        model.set("width", w);
        model.save_changes();
      }
    };
    const observer = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      clearTimeout(timer);
      if (model.get("width") === 0) send(w);  // the first width at once: the first draw needs it
      else timer = setTimeout(() => send(w), 200);  // then once a resize settles
    });
    observer.observe(el);
    return () => { clearTimeout(timer); observer.disconnect(); };
  }
};
"""


class WidthMeter(anywidget.AnyWidget):
    """An invisible, full-width widget whose ``width`` the browser keeps up to date."""

    _esm = _ESM
    width = traitlets.Int(0).tag(sync=True)
    tolerance = traitlets.Int(8).tag(sync=True)  # pixels of change worth a redraw
