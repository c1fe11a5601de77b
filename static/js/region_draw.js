// Drawing one region on an SVG over a photo: a rectangle (drag) or a polygon
// (click the corners, then the first one again). Points are normalized [x, y].
// Used by the report form and by the staff's photo review page.
(function () {
  "use strict";
  window.RegionDrawer = function (svg, polygon, shape) {
    var box = svg.viewBox.baseVal;
    var points = [];
    var closed = false;
    var start = null;

    function at(event) {
      var r = svg.getBoundingClientRect();
      return [Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)),
              Math.min(1, Math.max(0, (event.clientY - r.top) / r.height))];
    }
    function draw() {
      polygon.setAttribute("points", points.map(function (p) {
        return (p[0] * box.width).toFixed(1) + "," + (p[1] * box.height).toFixed(1);
      }).join(" "));
      polygon.classList.toggle("open", !closed);
      svg.dispatchEvent(new CustomEvent("regionchange"));
    }
    function clear() { points = []; closed = false; start = null; draw(); }

    svg.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      var p = at(event);
      if (shape() === "rect") {
        start = p; closed = true; points = [p, p, p, p];
        svg.setPointerCapture(event.pointerId);
      } else {
        if (closed) clear();
        var r = svg.getBoundingClientRect();
        if (points.length >= 3 &&
            Math.hypot((p[0] - points[0][0]) * r.width, (p[1] - points[0][1]) * r.height) < 14) {
          closed = true;
        } else {
          points.push(p);
        }
      }
      draw();
    });
    svg.addEventListener("pointermove", function (event) {
      if (!start) return;
      var p = at(event);
      points = [start, [p[0], start[1]], p, [start[0], p[1]]];
      draw();
    });
    svg.addEventListener("pointerup", function () { start = null; });

    return {
      clear: clear,
      // The closed region (a rectangle dragged to nothing is not one), or null.
      region: function () {
        if (!closed || points.length < 3) return null;
        var xs = points.map(function (p) { return p[0]; });
        var ys = points.map(function (p) { return p[1]; });
        if (Math.max.apply(null, xs) - Math.min.apply(null, xs) < 0.002 ||
            Math.max.apply(null, ys) - Math.min.apply(null, ys) < 0.002) return null;
        return points.map(function (p) { return [+p[0].toFixed(5), +p[1].toFixed(5)]; });
      },
      set: function (region) { points = region.slice(); closed = true; start = null; draw(); }
    };
  };
})();
