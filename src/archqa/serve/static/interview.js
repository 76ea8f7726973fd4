/* archqa serve: the mock interview's phase timer. The server renders the seconds left (in the phase and
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
