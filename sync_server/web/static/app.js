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
