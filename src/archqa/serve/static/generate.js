/* archqa serve: the Generate form says it is working while the set is built (a second or more), and the
   button cannot send it twice. Without script the form posts all the same. */
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.matches || !form.matches("form.gen-form[action='/generate']")) { return; }
    var button = form.querySelector("button[type='submit']");
    var status = document.getElementById("gen-status");
    if (button) {
      if (button.dataset.busy) { e.preventDefault(); return; }
      button.dataset.busy = "1";
      button.setAttribute("aria-disabled", "true");
      button.textContent = "Generating…";
    }
    if (status) { status.textContent = "Generating the set and validating it…"; }
  });
  // Back from a download or the history: the form is usable again.
  window.addEventListener("pageshow", function () {
    var button = document.querySelector("form.gen-form[action='/generate'] button[type='submit']");
    if (button && button.dataset.busy) {
      delete button.dataset.busy;
      button.removeAttribute("aria-disabled");
      button.textContent = "Generate the set";
    }
  });
})();
