// Blur-zone editor: polygons over the camera's latest photo, in normalized
// coordinates (0..1 of width and height), saved through the zones API.
// Mouse and touch go through pointer events.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, key) { return String(obj[key]); });
  };
  var root = document.getElementById("zone-editor");
  if (!root) return;
  var SVG = "http://www.w3.org/2000/svg";
  var api = root.dataset.api;
  var zoneUrl = root.dataset.zoneUrl;
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var svg = root.querySelector(".zone-canvas");
  var shapes = root.querySelector(".zone-shapes");
  var handles = root.querySelector(".zone-handles");
  var previews = root.querySelector(".zone-previews");
  var photo = root.querySelector(".zone-photo");
  var form = root.querySelector(".zone-form");
  var status = root.querySelector(".zone-status");
  var list = root.querySelector(".zone-list");
  var closeButton = root.querySelector("[data-action=close]");
  var previewBox = root.querySelector("[data-action=preview]");

  var W = 1000;
  var H = Math.round((W * parseInt(root.dataset.height, 10)) / parseInt(root.dataset.width, 10));
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);

  var zones = [];      // {id, label, points: [[x, y], ...] normalized, is_active, dirty}
  var selected = -1;
  var drawing = null;  // points of the shape being drawn
  var drag = null;     // {kind: "vertex"|"shape", index, start, original}

  function el(name, attrs) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }
  function toSvg(p) { return [p[0] * W, p[1] * H]; }
  function pointsAttr(points) {
    return points.map(function (p) { var s = toSvg(p); return s[0].toFixed(1) + "," + s[1].toFixed(1); }).join(" ");
  }
  function eventPoint(event) {
    var r = svg.getBoundingClientRect();
    var x = (event.clientX - r.left) / r.width, y = (event.clientY - r.top) / r.height;
    return [Math.min(1, Math.max(0, x)), Math.min(1, Math.max(0, y))];
  }
  function say(text) { status.textContent = text; }

  function render() {
    shapes.textContent = "";
    handles.textContent = "";
    previews.textContent = "";
    zones.forEach(function (zone, index) {
      var poly = el("polygon", {
        points: pointsAttr(zone.points),
        "class": "zone" + (index === selected ? " selected" : "") + (zone.is_active ? "" : " inactive"),
        "data-index": index
      });
      var title = el("title", {});
      title.textContent = zone.label || gettext("Unnamed zone");
      poly.appendChild(title);
      shapes.appendChild(poly);
      if (previewBox.checked && photo && zone.is_active) {
        var clipId = "zone-clip-" + index;
        var clip = el("clipPath", { id: clipId });
        clip.appendChild(el("polygon", { points: pointsAttr(zone.points) }));
        previews.appendChild(clip);
        previews.appendChild(el("image", {
          href: photo.getAttribute("href"), x: 0, y: 0, width: W, height: H,
          preserveAspectRatio: "none", filter: "url(#zone-blur)", "clip-path": "url(#" + clipId + ")"
        }));
      }
    });
    if (selected >= 0) {
      zones[selected].points.forEach(function (p, vertex) {
        var s = toSvg(p);
        handles.appendChild(el("circle", { cx: s[0], cy: s[1], r: 9, "class": "handle", "data-vertex": vertex }));
      });
    }
    if (drawing) {
      shapes.appendChild(el("polyline", { points: pointsAttr(drawing), "class": "drawing" }));
      drawing.forEach(function (p, i) {
        var s = toSvg(p);
        handles.appendChild(el("circle", { cx: s[0], cy: s[1], r: i === 0 ? 12 : 6, "class": i === 0 ? "handle first" : "handle" }));
      });
    }
    closeButton.disabled = !(drawing && drawing.length >= 3);
    form.hidden = selected < 0;
    if (selected >= 0) {
      form.label.value = zones[selected].label;
      form.is_active.checked = zones[selected].is_active;
    }
    list.textContent = "";
    zones.forEach(function (zone, index) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = (zone.label || gettext("Unnamed zone")) + (zone.id ? "" : " " + gettext("(not saved)")) + (zone.is_active ? "" : " " + gettext("(off)"));
      button.addEventListener("click", function () { selected = index; render(); });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  function finishDrawing() {
    if (!drawing || drawing.length < 3) return;
    zones.push({ id: null, label: "", points: drawing, is_active: true });
    selected = zones.length - 1;
    drawing = null;
    say(gettext("Shape closed: name it and save it."));
    render();
    form.label.focus();
  }

  svg.addEventListener("pointerdown", function (event) {
    var p = eventPoint(event);
    if (drawing) {
      var first = drawing[0];
      var r = svg.getBoundingClientRect();
      var near = first && Math.hypot((p[0] - first[0]) * r.width, (p[1] - first[1]) * r.height) < 14;
      if (near && drawing.length >= 3) finishDrawing();
      else { drawing.push(p); render(); }
      return;
    }
    var target = event.target;
    if (target.dataset && target.dataset.vertex !== undefined) {
      drag = { kind: "vertex", index: parseInt(target.dataset.vertex, 10) };
    } else if (target.dataset && target.dataset.index !== undefined) {
      selected = parseInt(target.dataset.index, 10);
      drag = { kind: "shape", start: p, original: zones[selected].points.map(function (q) { return q.slice(); }) };
      render();
    } else {
      selected = -1;
      render();
      return;
    }
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  svg.addEventListener("pointermove", function (event) {
    if (!drag || selected < 0) return;
    var p = eventPoint(event);
    var zone = zones[selected];
    if (drag.kind === "vertex") {
      zone.points[drag.index] = p;
    } else {
      var dx = p[0] - drag.start[0], dy = p[1] - drag.start[1];
      zone.points = drag.original.map(function (q) {
        return [Math.min(1, Math.max(0, q[0] + dx)), Math.min(1, Math.max(0, q[1] + dy))];
      });
    }
    zone.dirty = true;
    render();
  });
  function endDrag() {
    if (drag && selected >= 0 && zones[selected].dirty) say(gettext("Changed: save to apply it to the photos."));
    drag = null;
  }
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);

  root.querySelector("[data-action=new]").addEventListener("click", function () {
    drawing = [];
    selected = -1;
    say(gettext("Click the corners of the zone on the photo."));
    render();
  });
  closeButton.addEventListener("click", finishDrawing);
  previewBox.addEventListener("change", render);
  document.addEventListener("keydown", function (event) {
    if (!drawing) return;
    if (event.key === "Enter") finishDrawing();
    if (event.key === "Escape") { drawing = null; say(gettext("Drawing cancelled.")); render(); }
  });

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 204) return {};
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.error ? data.error.message : "HTTP " + response.status);
        return data;
      });
    });
  }
  function impactText(impact) {
    return interpolate(
      gettext("%(from_original)s photos will be anonymized again from their originals; %(on_top)s (original already deleted) get the zone added on top."),
      { from_original: impact.from_original, on_top: impact.on_top }, true);
  }

  // Typed values belong to the zone at once, so a re-render never loses them.
  form.label.addEventListener("input", function () {
    if (selected >= 0) zones[selected].label = form.label.value;
  });
  form.is_active.addEventListener("change", function () {
    if (selected >= 0) zones[selected].is_active = form.is_active.checked;
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var zone = zones[selected];
    zone.label = form.label.value;
    zone.is_active = form.is_active.checked;
    var body = { label: zone.label, polygon_xy_norm: zone.points, is_active: zone.is_active };
    var saving = zone.id ? request("PATCH", zoneUrl.replace("{id}", zone.id), body) : request("POST", api, body);
    saving.then(function (data) {
      zone.id = data.id;
      zone.dirty = false;
      say(gettext("Saved.") + " " + impactText(data.impact));
      render();
    }).catch(function (error) { say(interpolate(gettext("Not saved: %(error)s"), { error: error.message }, true)); });
  });
  root.querySelector("[data-action=delete]").addEventListener("click", function () {
    var zone = zones[selected];
    var done = zone.id ? request("DELETE", zoneUrl.replace("{id}", zone.id)) : Promise.resolve();
    done.then(function () {
      zones.splice(selected, 1);
      selected = -1;
      say(gettext("Zone deleted. Photos whose original still exists are anonymized again without it."));
      render();
    }).catch(function (error) { say(interpolate(gettext("Not deleted: %(error)s"), { error: error.message }, true)); });
  });

  request("GET", api).then(function (data) {
    zones = data.zones.map(function (z) {
      return { id: z.id, label: z.label, points: z.polygon_xy_norm, is_active: z.is_active };
    });
    if (!status.textContent.trim()) say(interpolate(gettext("%(count)s zone(s). A change affects:"), { count: zones.length }, true) + " " + impactText(data.impact));
    render();
  }).catch(function (error) { say(interpolate(gettext("Could not load the zones: %(error)s"), { error: error.message }, true)); });
})();
