// Detection-error report: draw a rectangle (drag) or a polygon (clicks) on the
// photo, pick a kind, write a message, send it to the reports API.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, key) { return String(obj[key]); });
  };
  var form = document.getElementById("report-form");
  if (!form) return;
  var svg = form.querySelector(".report-canvas");
  var region = form.querySelector(".report-region");
  var status = form.querySelector(".report-status");
  var box = svg.viewBox.baseVal;
  var points = [];    // normalized [x, y]
  var closed = false;
  var start = null;

  function shape() { return form.querySelector("input[name=shape]:checked").value; }
  function at(event) {
    var r = svg.getBoundingClientRect();
    return [Math.min(1, Math.max(0, (event.clientX - r.left) / r.width)),
            Math.min(1, Math.max(0, (event.clientY - r.top) / r.height))];
  }
  function draw() {
    region.setAttribute("points", points.map(function (p) {
      return (p[0] * box.width).toFixed(1) + "," + (p[1] * box.height).toFixed(1);
    }).join(" "));
    region.classList.toggle("open", !closed);
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
  form.querySelector("[data-action=clear]").addEventListener("click", clear);
  form.querySelectorAll("input[name=shape]").forEach(function (radio) {
    radio.addEventListener("change", clear);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!closed || points.length < 3) {
      status.textContent = gettext("Draw the region first (close the polygon on its first corner).");
      return;
    }
    var body = {
      kind: form.kind.value,
      region_xy_norm: points,
      message: form.message.value,
      website: form.website.value
    };
    if (form.email) body.email = form.email.value;
    status.textContent = gettext("Sending…");
    fetch(form.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value
      },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return [response, data]; });
    }).then(function (result) {
      var response = result[0], data = result[1];
      if (!response.ok) {
        status.textContent = interpolate(gettext("Not sent: %(error)s"), { error: data.error ? data.error.message : "HTTP " + response.status }, true);
        return;
      }
      form.reset();
      clear();
      status.textContent = (data.photo_hidden
        ? gettext("Thank you: your report was received and the photo is hidden from the public until it is checked.")
        : gettext("Thank you: your report was received.")) +
        (body.email ? " " + interpolate(gettext("We will answer at %(email)s."), { email: body.email }, true) : "");
    }).catch(function () { status.textContent = gettext("Not sent: network error, try again."); });
  });
})();
