// Photo page: zoom (wheel, pinch, buttons) and pan (drag) on the anonymized photo,
// switching to the full-size image once zoomed in; arrow keys go to the
// earlier / later photo of the camera.
(function () {
  "use strict";
  var figure = document.querySelector(".viewer");
  var prev = document.getElementById("photo-prev");
  var next = document.getElementById("photo-next");

  document.addEventListener("keydown", function (event) {
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    if (event.key === "ArrowLeft" && prev) window.location = prev.href;
    if (event.key === "ArrowRight" && next) window.location = next.href;
  });

  if (!figure) return;
  var frame = figure.querySelector(".viewer-frame");
  var img = frame.querySelector("img");
  var scale = 1, x = 0, y = 0, fullLoaded = false;
  var MAX = 16;

  function clamp() {
    var w = frame.clientWidth, h = frame.clientHeight;
    x = Math.min(0, Math.max(w - w * scale, x));
    y = Math.min(0, Math.max(h - h * scale, y));
  }
  function apply() {
    clamp();
    img.style.transform = "translate(" + x + "px," + y + "px) scale(" + scale + ")";
    frame.classList.toggle("zoomed", scale > 1);
    if (scale > 1.5 && !fullLoaded) {
      fullLoaded = true; // 20+ MP: fetched only when the detail is wanted
      var full = new Image();
      full.onload = function () { img.src = full.src; };
      full.src = figure.dataset.full;
    }
  }
  function zoomAt(factor, cx, cy) {
    var next = Math.min(MAX, Math.max(1, scale * factor));
    x = cx - (cx - x) * (next / scale);
    y = cy - (cy - y) * (next / scale);
    scale = next;
    apply();
  }
  function centre() { return [frame.clientWidth / 2, frame.clientHeight / 2]; }

  frame.addEventListener("wheel", function (event) {
    event.preventDefault();
    var r = frame.getBoundingClientRect();
    zoomAt(event.deltaY < 0 ? 1.25 : 0.8, event.clientX - r.left, event.clientY - r.top);
  }, { passive: false });

  var pointers = {}, last = null, pinch = null;
  frame.addEventListener("pointerdown", function (event) {
    frame.setPointerCapture(event.pointerId);
    pointers[event.pointerId] = [event.clientX, event.clientY];
    last = [event.clientX, event.clientY];
  });
  frame.addEventListener("pointermove", function (event) {
    if (!(event.pointerId in pointers)) return;
    pointers[event.pointerId] = [event.clientX, event.clientY];
    var ids = Object.keys(pointers);
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      var dist = Math.hypot(a[0] - b[0], a[1] - b[1]);
      var r = frame.getBoundingClientRect();
      if (pinch) zoomAt(dist / pinch, (a[0] + b[0]) / 2 - r.left, (a[1] + b[1]) / 2 - r.top);
      pinch = dist;
    } else if (last) {
      x += event.clientX - last[0];
      y += event.clientY - last[1];
      last = [event.clientX, event.clientY];
      apply();
    }
  });
  function release(event) {
    delete pointers[event.pointerId];
    pinch = null;
    last = null;
  }
  frame.addEventListener("pointerup", release);
  frame.addEventListener("pointercancel", release);

  frame.addEventListener("keydown", function (event) {
    var c = centre();
    if (event.key === "+" || event.key === "=") zoomAt(1.25, c[0], c[1]);
    if (event.key === "-") zoomAt(0.8, c[0], c[1]);
    if (event.key === "0") { scale = 1; x = 0; y = 0; apply(); }
  });
  figure.querySelectorAll("[data-zoom]").forEach(function (button) {
    button.addEventListener("click", function () {
      var c = centre(), how = button.dataset.zoom;
      if (how === "in") zoomAt(1.5, c[0], c[1]);
      else if (how === "out") zoomAt(1 / 1.5, c[0], c[1]);
      else { scale = 1; x = 0; y = 0; apply(); }
    });
  });
})();
