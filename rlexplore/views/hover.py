"""Hover without a tool switch: the pointer over any panel, tooltips at the cursor, legend highlight.

bqplot gives a figure one interaction at a time, and the panels' is the step brush. So the
pointer is followed by the page itself: :class:`HoverTracker`, a tiny anywidget in the
explorer, listens to pointer moves over the explorer (in the capture phase, under the
brush's overlay too) and reports which panel the pointer is over and where across its
plotting area (``pointer``: ``{"panel": i, "fx": 0..1}``, or None when it leaves), at
most once a frame and only when it moved by a pixel column's worth; not while a mouse button
is held (a brush or slider drag: the tooltips go, and no round trip per move competes with
the gesture's answer). The explorer turns that
into ``state.hover_step``, snapped to a logged step, and writes each panel's table into its
readout; the page places every panel's readout beside the same x as the cursor (the
hovered panel's at the cursor), with no round trip for the placement, so brush and hover
work together.

Hovering over a legend entry dims every other run's lines in every panel, in the page
alone (the entry's colour picks the lines).

CSS classes: ``rlx-hover`` (the tracker, invisible), ``rlx-readout-far`` (the readouts of
the panels the pointer is not over: smaller), ``rlx-highlighting`` (on the explorer while a
legend entry is hovered), ``rlx-hl`` (the highlighted run's line paths).
"""

from __future__ import annotations

import anywidget
import traitlets

_ESM = r"""
export default {
  render({ model, el }) {
    el.style.height = "0px";
    let root = null, last = "null", pending = null, frame = 0, fx = null, over = null;
    const flush = () => {
      frame = 0;
      const text = JSON.stringify(pending);
      if (text !== last) { last = text; model.set("pointer", pending); model.save_changes(); }
    };
    const send = (value) => { pending = value; if (!frame) frame = requestAnimationFrame(flush); };
    const area = (fig) => fig.querySelector("rect.plotarea_background") || fig.querySelector("svg");
    let lastY = null;
    const place = (clientY) => {
      if (fx === null) return;
      lastY = clientY;
      for (const panel of root.querySelectorAll(".rlx-panel")) {
        const fig = panel.querySelector(".rlx-figure"), out = panel.querySelector(".rlx-readout");
        if (!fig || !out) continue;
        resized.observe(out);
        const a = area(fig).getBoundingClientRect(), p = panel.getBoundingClientRect();
        const x = a.left + fx * a.width - p.left;
        const near = panel === over;
        out.classList.toggle("rlx-readout-far", !near);  // the other panels' tables: smaller
        const y = near && clientY !== null ? clientY - p.top + 14 : a.top - p.top + 2;
        const room = p.width;  // keep it inside its panel: never over the next one
        const left = fx > 0.55 || x + 14 + out.offsetWidth > room ? x - out.offsetWidth - 14 : x + 14;
        out.style.left = Math.max(0, Math.min(left, p.width - out.offsetWidth)) + "px";
        out.style.top = Math.max(0, Math.min(y, p.height - out.offsetHeight)) + "px";
      }
    };
    // the panel under the pointer and where across its plotting area (null: over no plot)
    const locate = (ev) => {
      const fig = ev.target.closest ? ev.target.closest(".rlx-figure") : null;
      if (!fig || !root.contains(fig)) return null;
      const a = area(fig).getBoundingClientRect(), f = (ev.clientX - a.left) / a.width;
      const panel = fig.closest(".rlx-panel"), m = panel && /rlx-panel-(\d+)/.exec(panel.className);
      if (!m || f < 0 || f > 1 || ev.clientY < a.top || ev.clientY > a.bottom) return null;
      return { panel: panel, index: Number(m[1]), f: f, a: a };
    };
    const onMove = (ev) => {
      // a button held is a brush or a slider being dragged: no tooltips (and no kernel
      // round trip per move competing with the gesture's own answer)
      const at = ev.buttons ? null : locate(ev);
      if (!at) { if (fx !== null || last !== "null") send(null); fx = null; return; }
      over = at.panel;
      const step = 1 / Math.max(1, Math.round(at.a.width));
      fx = Math.round(at.f / step) * step;
      send({ panel: at.index, fx: fx });
      place(ev.clientY);
    };
    const onLeave = () => { send(null); fx = null; };
    // A drag across a plot ends as a zoom: report its span at once. The brush's own report
    // waits for the message before it to be answered (one message in flight per widget).
    let press = null, releases = 0;
    const onDown = (ev) => {
      const at = ev.button === 0 ? locate(ev) : null;
      press = at && { panel: at.index, f0: at.f, x: ev.clientX, a: at.a };
    };
    const onUp = (ev) => {
      const p = press;
      press = null;
      if (!p || Math.abs(ev.clientX - p.x) < 3) return;  // a click: the brush reports it
      const f1 = Math.min(1, Math.max(0, (ev.clientX - p.a.left) / p.a.width));
      model.set("release", { panel: p.panel, f0: Math.min(p.f0, f1), f1: Math.max(p.f0, f1), n: ++releases });
      model.save_changes();
    };
    const lines = () => root.querySelectorAll(".rlx-figure path.line");
    const onLegend = (ev) => {
      const entry = ev.target.closest ? ev.target.closest(".rlx-legend-entry") : null;
      if (!entry || entry.classList.contains("rlx-off")) return;
      const color = getComputedStyle(entry).color;
      root.classList.add("rlx-highlighting");
      for (const path of lines()) path.classList.toggle("rlx-hl", getComputedStyle(path).stroke === color);
    };
    const offLegend = (ev) => {
      if (!ev.target.closest || !ev.target.closest(".rlx-legend-entry")) return;
      root.classList.remove("rlx-highlighting");
      for (const path of lines()) path.classList.remove("rlx-hl");
    };
    // readouts change size when the kernel fills them: place them again
    const resized = new ResizeObserver(() => place(lastY));
    let tries = 0;
    const listeners = () => [  // [target, event, handler, capture]
      [root, "pointermove", onMove, true], [root, "pointerleave", onLeave, false],
      [root, "pointerover", onLegend, false], [root, "pointerout", offLegend, false],
      [root, "pointerdown", onDown, true], [window, "pointerup", onUp, true],
    ];
    const attach = () => {
      root = el.closest(".rlx-explorer");
      if (!root) { if (tries++ < 100) setTimeout(attach, 50); return; }
      for (const [target, kind, handler, capture] of listeners()) target.addEventListener(kind, handler, capture);
    };
    attach();
    return () => {
      resized.disconnect();
      if (root) for (const [target, kind, handler, capture] of listeners()) target.removeEventListener(kind, handler, capture);
    };
  }
};
"""


class HoverTracker(anywidget.AnyWidget):
    """Reports the pointer over the explorer's panels (``pointer``) from the page.

    Attributes
    ----------
    pointer : dict or None
        ``{"panel": i, "fx": f}``: over the panel of CSS class ``rlx-panel-<i>``, at the
        fraction `f` (0 left, 1 right) of its plotting area's width; None when the pointer
        is over no plot.
    release : dict or None
        ``{"panel": i, "f0": a, "f1": b, "n": k}``: the `k`-th drag across panel `i` ended,
        spanning the fractions `a` to `b` of its plotting area, sent at the mouse-up (the
        brush's own report of the same gesture comes a round trip later).
    """

    _esm = _ESM
    pointer = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
    release = traitlets.Dict(allow_none=True, default_value=None).tag(sync=True)
