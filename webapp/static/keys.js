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
// Batch bar: "select all on this page" and a live count of the ticked rows.
(function () {
  "use strict";
  var all = document.querySelector(".batchbar .select-all");
  var count = document.querySelector(".batchbar .selected-count");
  if (!all) { return; }
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("input[type=checkbox][name=item]")); }
  function update() {
    var n = boxes().filter(function (b) { return b.checked; }).length;
    if (count) { count.textContent = n ? "已选 " + n + " 条" : ""; }
  }
  all.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = all.checked; }); update(); });
  document.addEventListener("change", function (ev) { if (ev.target && ev.target.name === "item") { update(); } });
})();
// A preset reason picked from a list fills the reason field (still editable before submitting).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("select.reason-preset"), function (sel) {
    sel.addEventListener("change", function () {
      var target = document.getElementById(sel.getAttribute("data-target"));
      if (target && sel.value) { target.value = sel.value; target.focus(); }
    });
  });
})();
// Workbench: a template goes in at the cursor (typed text stays); template hints left in the
// reply are pointed out; the extension form shows the resulting deadline as the amount changes.
(function () {
  "use strict";
  var box = document.getElementById("reply-text");
  var button = document.querySelector(".template-picker .insert-template");
  var choice = document.getElementById("template-choice");
  if (box && button && choice) {
    button.addEventListener("click", function (ev) {
      ev.preventDefault();
      var option = choice.options[choice.selectedIndex];
      var text = option ? option.getAttribute("data-text") || "" : "";
      var start = box.selectionStart || 0, end = box.selectionEnd || 0;
      if (document.activeElement !== box && box.value && start === 0 && end === 0) { start = end = box.value.length; }
      var before = box.value.slice(0, start), after = box.value.slice(end);
      var sep = before && !/\n$/.test(before) ? "\n" : "";
      box.value = before + sep + text + after;
      box.focus();
      box.selectionStart = box.selectionEnd = (before + sep + text).length;
      box.dispatchEvent(new Event("input"));
    });
  }
  var warn = document.querySelector(".hint-warning");
  if (box && warn) {
    var hints = JSON.parse(box.getAttribute("data-hints") || "[]");
    var check = function () {
      var left = hints.filter(function (h) { return box.value.indexOf(h) >= 0; });
      warn.hidden = !left.length;
      warn.textContent = left.length ? "还有未替换的模板提示：" + left.join("、") + "（提交审核前须改为实际内容）" : "";
    };
    box.addEventListener("input", check);
    check();
  }
  var amount = document.getElementById("extension-amount");
  var due = document.getElementById("extension-due");
  if (amount && due) {
    var previews = JSON.parse(amount.getAttribute("data-previews") || "{}");
    amount.addEventListener("input", function () { due.textContent = previews[amount.value] || "（请填写 1 到上限之间的整数）"; });
  }
})();
