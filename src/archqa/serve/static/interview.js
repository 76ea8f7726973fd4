/* archqa serve: the mock interview's phase timer, and what the forms say while the server works. The server renders the seconds left (in the phase and
   overall) when it sent the page; this counts them down on the browser's monotonic clock and says so in the
   status region at one minute left and when the time is up. The server keeps its own time: this is display. */
(function () {
  "use strict";
  function clock(seconds) {
    var s = Math.round(Math.abs(seconds));
    var m = Math.floor(s / 60);
    var r = s % 60;
    return m + ":" + (r < 10 ? "0" : "") + r + (seconds >= 0 ? " left" : " over");
  }
  function start() {
    var timers = Array.prototype.slice.call(document.querySelectorAll("[data-countdown]"));
    if (!timers.length) { return; }
    var status = document.getElementById("iv-status");
    var t0 = performance.now();
    var said = {};
    function say(key, text) {
      if (said[key] || !status) { return; }
      said[key] = true;
      status.textContent = text;
    }
    function tick() {
      var gone = (performance.now() - t0) / 1000;
      timers.forEach(function (el) {
        var left = parseFloat(el.getAttribute("data-remaining")) - gone;
        el.textContent = clock(left);
        el.classList.toggle("over", left < 0);
        el.classList.toggle("low", left >= 0 && left < 60);
        var what = el.getAttribute("data-announce") || "";
        var start = parseFloat(el.getAttribute("data-remaining"));
        if (start >= 60 && left < 60 && left >= 0) { say(what + "-1", "One minute left in this " + what + "."); }
        if (start >= 0 && left < 0) { say(what + "-0", "Time is up for this " + what + ": finish your answer and send it."); }
      });
    }
    tick();
    window.setInterval(tick, 1000);
  }
  // Starting plans the interview (the key points are matched to the phases: a few seconds) and an answer is
  // graded: say so, and do not send the form twice.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    var text = "";
    if (form.id === "iv-start-form") { text = "Planning the interview…"; }
    if (form.classList && form.classList.contains("iv-answer-form")) { text = "Grading your answer…"; }
    if (!text) { return; }
    if (form.dataset.busy) { e.preventDefault(); return; }
    form.dataset.busy = "1";
    var button = form.querySelector("button[type='submit']");
    if (button) { button.setAttribute("aria-disabled", "true"); }
    var status = document.getElementById(form.id === "iv-start-form" ? "iv-start-status" : "iv-status");
    if (status) { status.textContent = text; }
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      delete form.dataset.busy;
      var button = form.querySelector("button[type='submit']");
      if (button) { button.removeAttribute("aria-disabled"); }
    });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
