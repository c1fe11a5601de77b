// Web upload: sends each chosen file to the upload API, two at a time, and shows
// each file's progress and result (accepted, already uploaded, or why refused).
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, key) { return String(obj[key]); });
  };
  var form = document.getElementById("upload-form");
  if (!form) return;
  var input = document.getElementById("upload-files");
  var list = document.getElementById("upload-list");
  var summary = document.getElementById("upload-summary");
  var url = form.dataset.uploadUrl;
  var maxBytes = parseInt(form.dataset.maxBytes, 10);
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var PARALLEL = 2;

  function row(file) {
    var tr = document.createElement("tr");
    var name = document.createElement("td");
    name.textContent = file.name;
    var progressCell = document.createElement("td");
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", interpolate(gettext("Upload of %(name)s"), { name: file.name }, true));
    progressCell.appendChild(bar);
    var result = document.createElement("td");
    result.textContent = gettext("waiting");
    tr.append(name, progressCell, result);
    list.tBodies[0].appendChild(tr);
    return { bar: bar, result: result, tr: tr };
  }

  function send(file, view) {
    return new Promise(function (resolve) {
      if (file.size > maxBytes) {
        view.result.textContent = gettext("refused: larger than the limit");
        view.tr.dataset.outcome = "rejected";
        return resolve("rejected");
      }
      var data = new FormData();
      data.append("image", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("X-CSRFToken", csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (event) {
        if (event.lengthComputable) view.bar.value = Math.round((100 * event.loaded) / event.total);
      };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        view.bar.value = 100;
        var outcome;
        if (xhr.status === 201) {
          outcome = "accepted";
          view.result.textContent = gettext("accepted, being anonymized");
        } else if (xhr.status === 200) {
          outcome = "duplicate";
          view.result.textContent = gettext("already uploaded");
        } else {
          outcome = "rejected";
          var message = body.error ? body.error.message : "HTTP " + xhr.status;
          view.result.textContent = interpolate(gettext("refused: %(message)s"), { message: message }, true);
        }
        view.tr.dataset.outcome = outcome;
        resolve(outcome);
      };
      xhr.onerror = function () {
        view.result.textContent = gettext("network error: not uploaded, try again");
        view.tr.dataset.outcome = "rejected";
        resolve("rejected");
      };
      view.result.textContent = gettext("uploading");
      xhr.send(data);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    if (!files.length) return;
    list.hidden = false;
    list.tBodies[0].innerHTML = "";
    var jobs = files.map(function (file) { return { file: file, view: row(file) }; });
    var counts = { accepted: 0, duplicate: 0, rejected: 0 };
    var next = 0;
    summary.textContent = interpolate(gettext("Uploading %(count)s photos…"), { count: files.length }, true);
    function worker() {
      if (next >= jobs.length) return Promise.resolve();
      var job = jobs[next++];
      return send(job.file, job.view).then(function (outcome) {
        counts[outcome] += 1;
        return worker();
      });
    }
    var workers = [];
    for (var i = 0; i < PARALLEL; i++) workers.push(worker());
    Promise.all(workers).then(function () {
      summary.textContent = interpolate(
        gettext("%(accepted)s accepted, %(duplicate)s already uploaded, %(rejected)s refused."),
        { accepted: counts.accepted, duplicate: counts.duplicate, rejected: counts.rejected }, true);
      input.value = "";
    });
  });
})();
