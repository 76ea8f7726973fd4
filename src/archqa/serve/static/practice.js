/* archqa serve, the practice page: focus after the grade arrives, the suggested rating as points are flipped,
   the grade view's keys ("g" rates Good there; elsewhere it starts a jump), one submit per rating form.
   No inline script. */
(function () {
  "use strict";
  // The suggestion follows the points ticked: the server sent, for each count, the rating and the sentence.
  function update(form) {
    if (!form.dataset.suggest) { return; }
    var ratings = form.dataset.suggest.split(",");
    var out = document.getElementById("suggestion");
    var texts = out ? out.dataset.texts.split("|") : [];
    var n = form.querySelectorAll('input[name="covered"]:checked').length;
    if (out && texts[n]) { out.textContent = texts[n]; }
    form.querySelectorAll('button[name="rating"]').forEach(function (b) {
      var on = b.value === ratings[n];
      b.classList.toggle("primary", on);
      if (on) { b.setAttribute("aria-describedby", "suggestion"); } else { b.removeAttribute("aria-describedby"); }
    });
  }
  document.addEventListener("change", function (e) {
    var form = e.target.closest && e.target.closest("form.rate");
    if (form) { update(form); }
  });
  // A second press of a rating (or a key held down) sends nothing more; the server would refuse it anyway.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.rate")) { return; }
    if (form.dataset.sent) { e.preventDefault(); return; }
    form.dataset.sent = "1";
  });
  // The grade replaces the answer box: move the focus to its heading, so the keys act on it.
  document.addEventListener("htmx:afterSettle", function (e) {
    var heading = document.getElementById("grade-title");
    var box = document.getElementById("answer");
    if (heading && e.target.contains(heading)) { heading.focus(); } else if (box && e.target.contains(box)) { box.focus(); }
  });
  document.addEventListener("htmx:responseError", function () {
    var state = document.getElementById("grader-state");
    if (state) { state.textContent = "The answer could not be sent; check that archqa serve is running and try again."; }
  });
  // The grade view's keys, taken in the capture phase before app.js: digits flip points, a/h/g/e rate, s skips.
  // Here "g" means Good, as in the terminal, not a jump; and a ticked checkbox keeps the keys working (app.js
  // leaves every focused input alone, and clicking a label focuses its checkbox).
  function writing(el) {
    if (!el) { return false; }
    if (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName)) { return true; }
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }
  window.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.altKey || e.metaKey || e.defaultPrevented || writing(e.target)) { return; }
    var view = document.querySelector("#attempt.graded");
    if (!view || !/^[1-9ahges]$/.test(e.key)) { return; }
    var target = view.querySelector('[data-key="' + e.key + '"]');
    if (!target || target.offsetParent === null) { return; }
    e.preventDefault();
    if (target.tagName === "LABEL") {
      var box = document.getElementById(target.htmlFor);
      if (box) { box.click(); }
    } else {
      target.click();
    }
  }, true);
})();
