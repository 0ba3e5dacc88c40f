// Live search: fetch the results fragment (HX-Request) while typing; the form still works without JS.
(function () {
  "use strict";
  document.querySelectorAll("form[data-live-search]").forEach(function (form) {
    var target = document.getElementById(form.dataset.liveSearch);
    var input = form.querySelector("input[type=search]");
    if (!target || !input) { return; }
    var timer = null;
    var latest = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = form.action + "?" + new URLSearchParams(new FormData(form)).toString();
        var ticket = ++latest;
        fetch(url, { headers: { "HX-Request": "true", "HX-Target": target.id }, credentials: "same-origin" })
          .then(function (r) {
            var away = r.headers.get("HX-Redirect");
            if (away) { window.location.assign(away); return Promise.reject(r.status); }
            return r.ok ? r.text() : Promise.reject(r.status);
          })
          .then(function (html) {
            if (ticket !== latest) { return; }
            target.innerHTML = html;
            history.replaceState(null, "", url);
          })
          .catch(function () { /* keep the current results; the submit button still works */ });
      }, 250);
    });
  });
})();

// Live regions: an element with data-poll is refreshed from its URL (HX-Request, HX-Target =
// its id) every data-poll-ms. What the user is doing survives a refresh: ticked boxes, open
// <details>, typed text; a tick is skipped while they type in the region or the tab is hidden.
(function () {
  "use strict";
  function snapshot(root) {
    var state = { checked: {}, open: {}, values: {} };
    root.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      state.checked[box.name + "=" + box.value + "@" + (box.form ? box.form.action : "") + (box.closest("tr") ? box.closest("tr").dataset.row : "")] = box.checked;
    });
    root.querySelectorAll("details[id]").forEach(function (d) { state.open[d.id] = d.open; });
    root.querySelectorAll("input[type=text], input:not([type]), select").forEach(function (el) {
      if (el.name && el.value) { state.values[el.name + "@" + (el.closest("tr") ? el.closest("tr").dataset.row : "")] = el.value; }
    });
    return state;
  }
  function restore(root, state) {
    root.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      var k = box.name + "=" + box.value + "@" + (box.form ? box.form.action : "") + (box.closest("tr") ? box.closest("tr").dataset.row : "");
      if (k in state.checked && !box.disabled) { box.checked = state.checked[k]; }
    });
    root.querySelectorAll("details[id]").forEach(function (d) { if (state.open[d.id]) { d.open = true; } });
    root.querySelectorAll("input[type=text], input:not([type]), select").forEach(function (el) {
      var k = el.name + "@" + (el.closest("tr") ? el.closest("tr").dataset.row : "");
      if (k in state.values) { el.value = state.values[k]; }
    });
  }
  document.querySelectorAll("[data-poll]").forEach(function (region) {
    var every = parseInt(region.dataset.pollMs, 10) || 2000;
    var last = null;
    function busy() {
      var el = document.activeElement;
      return document.hidden || (el && region.contains(el) && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== "checkbox");
    }
    function tick() {
      if (busy()) { setTimeout(tick, every); return; }
      fetch(region.dataset.poll, { headers: { "HX-Request": "true", "HX-Target": region.id }, credentials: "same-origin" })
        .then(function (r) {
          var away = r.headers.get("HX-Redirect");
          if (away) { window.location.assign(away); return Promise.reject(r.status); }
          return r.ok ? r.text() : Promise.reject(r.status);
        })
        .then(function (html) {
          if (html !== last && !busy()) {
            var state = snapshot(region);
            region.innerHTML = html;
            restore(region, state);
            region.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
          }
          last = html;
        })
        .catch(function () { /* keep what is shown; try again next tick */ })
        .then(function () { setTimeout(tick, every); });
    }
    setTimeout(tick, every);
  });
})();

// "All shown" ticks every row box of its table; forms with data-confirm ask first.
(function () {
  "use strict";
  document.addEventListener("change", function (e) {
    var all = e.target.closest ? e.target.closest("[data-select-all]") : null;
    if (!all) { return; }
    document.querySelectorAll('input[data-pick="' + all.dataset.selectAll + '"]').forEach(function (box) {
      if (!box.disabled) { box.checked = all.checked; }
    });
  });
  document.addEventListener("submit", function (e) {
    var text = e.target.dataset ? e.target.dataset.confirm : null;
    if (text && !window.confirm(text)) { e.preventDefault(); }
  });
})();
