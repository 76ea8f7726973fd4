/* archqa serve, the practice page: focus after the grade arrives, the suggested rating as points are flipped,
   "g" rates Good on the grade view (elsewhere it starts a jump), one submit per rating form. No inline script. */
(function () {
  "use strict";
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
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
  // Capture phase, before app.js: on the grade view "g" means Good (as in the terminal), not a jump.
  window.addEventListener("keydown", function (e) {
    if (e.key !== "g" || e.ctrlKey || e.altKey || e.metaKey || e.defaultPrevented || typing(e.target)) { return; }
    var good = document.querySelector('form.rate button[data-key="g"]');
    if (good && good.offsetParent !== null) { e.preventDefault(); good.click(); }
  }, true);
})();
