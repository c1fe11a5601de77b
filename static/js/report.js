// Detection-error report: draw a rectangle (drag) or a polygon (clicks) on the
// photo (region_draw.js), pick a kind, write a message, send it to the reports API.
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
  var drawer = window.RegionDrawer(svg, region, function () {
    return form.querySelector("input[name=shape]:checked").value;
  });
  var clear = drawer.clear;

  form.querySelector("[data-action=clear]").addEventListener("click", clear);
  form.querySelectorAll("input[name=shape]").forEach(function (radio) {
    radio.addEventListener("change", clear);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var points = drawer.region();
    if (!points) {
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
