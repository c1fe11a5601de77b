// The staff's photo review page: draw the region to blur or keep clear (or
// take a report's region), then post it with the correction form.
(function () {
  "use strict";
  var form = document.getElementById("correction-form");
  var svg = document.querySelector(".review-canvas");
  var toggle = document.querySelector("[data-action=hide-layers]");
  if (toggle && svg) {
    toggle.addEventListener("change", function () { svg.classList.toggle("hide-layers", toggle.checked); });
  }
  if (!form || !svg) return;
  var draft = svg.querySelector(".draft");
  var status = form.querySelector(".correction-status");
  var regionsData = document.getElementById("report-regions-data");
  var reportRegions = regionsData ? JSON.parse(regionsData.textContent) : {};
  svg.classList.add("drawing");
  var drawer = window.RegionDrawer(svg, draft, function () {
    return form.querySelector("input[name=shape]:checked").value;
  });
  svg.addEventListener("regionchange", function () {
    var region = drawer.region();
    form.polygon.value = region ? JSON.stringify(region) : "";
    status.textContent = region ? "Region ready (" + region.length + " points)." : "";
  });
  form.querySelector("[data-action=clear]").addEventListener("click", drawer.clear);
  form.querySelectorAll("input[name=shape]").forEach(function (radio) {
    radio.addEventListener("change", drawer.clear);
  });
  form.querySelectorAll("[data-report-region]").forEach(function (button) {
    button.addEventListener("click", function () {
      drawer.set(reportRegions[button.dataset.reportRegion]);
      if (!form.reason.value) form.reason.value = "Report " + button.dataset.reportRegion;
    });
  });
  form.addEventListener("submit", function (event) {
    if (!form.polygon.value) {
      event.preventDefault();
      status.textContent = "Draw the region on the photo first (or use a report's region).";
    }
  });
})();
