/* archqa serve: keyboard shortcuts, Mermaid drawing, the keys dialog. No inline script anywhere. */
(function () {
  "use strict";
  function typing(el) {  // a box that takes text; a focused checkbox or button leaves the page's keys working
    if (!el) { return false; }
    if (el.isContentEditable || /^(TEXTAREA|SELECT)$/.test(el.tagName)) { return true; }
    return el.tagName === "INPUT" && !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
  }
  var pendingG = 0;
  function pageKey(key) {
    var el = document.querySelector('[data-key="' + CSS.escape(key) + '"]:not([disabled])');
    return el && el.offsetParent !== null ? el : null;
  }
  var jumps = { b: "/questions", p: "/practice", n: "/generate", i: "/interview", r: "/progress" };
  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.altKey || e.metaKey) { return; }
    // Ctrl+Enter in a text box sends its form (the answer box, a search).
    if (e.ctrlKey && e.key === "Enter" && typing(e.target)) {
      var form = e.target.form;
      if (form) { e.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (e.ctrlKey || typing(e.target)) { return; }
    if (pendingG && Date.now() - pendingG < 1500) {
      pendingG = 0;
      if (jumps[e.key]) { e.preventDefault(); window.location.href = jumps[e.key]; }
      return;
    }
    pendingG = 0;
    // "g" starts a jump to another page, unless this page has a key "g" of its own (Good, in practice).
    if (e.key === "g" && !pageKey("g")) { pendingG = Date.now(); return; }
    if (e.key === "/") {
      var box = document.querySelector("[data-search]");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
      return;
    }
    if (e.key === "?") {
      var dlg = document.getElementById("keys");
      if (dlg && !dlg.open) { e.preventDefault(); dlg.showModal(); }
      return;
    }
    var target = pageKey(e.key);
    if (target) {
      e.preventDefault();
      if (target.matches("input, textarea, select")) { target.focus(); } else { target.click(); }
    }
  });
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest('.keys-button');
    if (btn) { document.getElementById("keys").showModal(); }
  });

  // Mermaid: loaded only on pages that have a diagram, themed like the page, drawn as SVG.
  var loading = null;
  function dark() { return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches; }
  function draw(root) {
    var nodes = Array.prototype.filter.call((root || document).querySelectorAll("pre.mermaid:not([data-processed])"),
      function (n) { return n.offsetParent !== null; });
    if (!nodes.length) { return; }
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "/static/vendor/mermaid.min.js";
        s.onload = function () {
          window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark() ? "dark" : "default" });
          resolve(window.mermaid);
        };
        s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    loading.then(function (m) {
      return m.run({ nodes: nodes, suppressErrors: true });
    }).then(function () {
      document.documentElement.dataset.diagrams = "drawn";
    }, function () {
      document.documentElement.dataset.diagrams = "failed";
    });
  }
  // A box that scrolls sideways (code, a wide table) takes the keyboard focus, so it can be scrolled with keys.
  function focusable(root) {
    (root || document).querySelectorAll("pre, table, figure, .scroll").forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); }
    });
  }
  // A <details> hides its diagram until opened, and Mermaid cannot measure hidden text: draw on open.
  document.addEventListener("toggle", function (e) {
    if (e.target.open) { draw(e.target); focusable(e.target); }
  }, true);
  document.addEventListener("htmx:afterSettle", function (e) { draw(e.target); focusable(e.target); });
  document.addEventListener("DOMContentLoaded", function () { draw(document); focusable(document); });
  window.addEventListener("resize", function () { focusable(document); });
})();
