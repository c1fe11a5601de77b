// Timelapse player: loads the frame list for a date range and time-of-day
// window, preloads frames ahead of the playhead and plays them at the chosen
// rate; members can ask for an MP4 export and follow its progress.
(function () {
  "use strict";
  var gettext = window.gettext || function (s) { return s; };
  var interpolate = window.interpolate || function (fmt, obj) {
    return fmt.replace(/%\((\w+)\)s/g, function (m, key) { return String(obj[key]); });
  };
  var form = document.getElementById("timelapse");
  if (!form) return;
  var player = document.querySelector(".player");
  var frameImg = player.querySelector(".player-frame");
  var playButton = player.querySelector("[data-action=play]");
  var scrub = player.querySelector(".player-scrub");
  var timeLabel = player.querySelector(".player-time");
  var status = document.querySelector(".timelapse-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var AHEAD = 12;
  var frames = [], cache = {}, index = 0, playing = false, timer = null;

  function params() {
    return new URLSearchParams({
      from: form.from.value, to: form.to.value,
      hour_from: form.hour_from.value, hour_to: form.hour_to.value
    });
  }
  function preload(from) {
    for (var i = from; i < Math.min(frames.length, from + AHEAD); i++) {
      if (!cache[i]) { cache[i] = new Image(); cache[i].src = frames[i].url; }
    }
  }
  function show(i) {
    index = i;
    preload(i);
    frameImg.src = frames[i].url;
    scrub.value = i;
    timeLabel.textContent = new Date(frames[i].taken_at).toLocaleString() + " (" + (i + 1) + "/" + frames.length + ")";
  }
  function tick() {
    if (!playing) return;
    var next = (index + 1) % frames.length;
    var image = cache[next];
    // Wait for a frame that is not loaded yet instead of showing a blank.
    if (image && !image.complete) { timer = setTimeout(tick, 30); return; }
    show(next);
    timer = setTimeout(tick, 1000 / Math.max(1, parseInt(form.fps.value, 10) || 12));
  }
  function setPlaying(on) {
    playing = on;
    playButton.textContent = on ? gettext("Pause") : gettext("Play");
    clearTimeout(timer);
    if (on) tick();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    setPlaying(false);
    status.textContent = gettext("Loading…");
    fetch(form.dataset.frames + "?" + params(), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (d) { return [r, d]; }); })
      .then(function (result) {
        var r = result[0], data = result[1];
        if (!r.ok) { status.textContent = data.error ? data.error.message : "HTTP " + r.status; return; }
        frames = data.frames; cache = {};
        if (!frames.length) { player.hidden = true; status.textContent = gettext("No photo in this range."); return; }
        player.hidden = false;
        scrub.max = frames.length - 1;
        show(0);
        status.textContent = interpolate(data.truncated ? gettext("%(count)s frames (the first ones only: shorten the range).") : gettext("%(count)s frames."), { count: frames.length }, true);
      });
  });
  playButton.addEventListener("click", function () { if (frames.length) setPlaying(!playing); });
  scrub.addEventListener("input", function () { setPlaying(false); show(parseInt(scrub.value, 10)); });
  document.addEventListener("keydown", function (event) {
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === " " && frames.length) { event.preventDefault(); setPlaying(!playing); }
  });

  var exportButton = form.querySelector("[data-action=export]");
  if (exportButton) {
    exportButton.addEventListener("click", function () {
      var body = new URLSearchParams(params());
      body.set("fps", form.fps.value);
      status.textContent = gettext("Export requested…");
      fetch(form.dataset.exports, {
        method: "POST", credentials: "same-origin", body: body,
        headers: { Accept: "application/json", "X-CSRFToken": csrf }
      }).then(function (r) { return r.json(); }).then(function follow(data) {
        if (data.error) { status.textContent = interpolate(gettext("Export refused: %(error)s"), { error: data.error.message }, true); return; }
        if (data.status === "done") {
          status.innerHTML = "";
          var link = document.createElement("a");
          link.href = data.download; link.textContent = gettext("Download the MP4");
          status.append(gettext("Export ready:") + " ", link);
          return;
        }
        if (data.status === "failed") { status.textContent = interpolate(gettext("Export failed: %(error)s"), { error: data.error }, true); return; }
        status.textContent = data.status === "running"
          ? interpolate(gettext("Export being made: %(progress)s %…"), { progress: data.progress }, true)
          : gettext("Export waiting for a worker…");
        setTimeout(function () {
          fetch(form.dataset.export.replace("{id}", data.id), { credentials: "same-origin", headers: { Accept: "application/json" } })
            .then(function (r) { return r.json(); }).then(follow);
        }, 1000);
      });
    });
  }
  form.requestSubmit();
})();
