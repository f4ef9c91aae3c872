// Keyboard navigation for lists: j/k move between rows of a table.nav-rows, Enter opens the row's
// first link, x toggles its checkbox. Ignored while typing in a form field. No inline scripts (CSP).
(function () {
  "use strict";
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.nav-rows tbody tr[data-href]"));
  }
  var current = -1;
  function focusRow(i) {
    var list = rows();
    if (!list.length) { return; }
    current = Math.max(0, Math.min(i, list.length - 1));
    list.forEach(function (r) { r.classList.remove("current"); });
    list[current].classList.add("current");
    list[current].scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)) { return; }
    var list = rows();
    if (!list.length) { return; }
    if (ev.key === "j") { focusRow(current + 1); ev.preventDefault(); }
    else if (ev.key === "k") { focusRow(current - 1); ev.preventDefault(); }
    else if (ev.key === "Enter" && current >= 0) { window.location.href = list[current].getAttribute("data-href"); }
    else if (ev.key === "x" && current >= 0) {
      var box = list[current].querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
    }
  });
})();
