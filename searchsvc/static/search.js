// Progressive enhancement only: the page works fully without this file.
// 1. As-you-type suggestions for the actor/location filter inputs (from /api/suggest).
// 2. Changing the order re-runs the search.
// 3. Buttons with data-confirm ask before submitting (deleting a saved search).
(function () {
  "use strict";
  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, ms);
    };
  }
  function wireSuggest(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var field = input.getAttribute("data-suggest");
    if (!list || !field || !window.fetch) { return; }
    var update = debounce(function () {
      var prefix = input.value.trim();
      if (prefix.length < 2) { return; }
      var url = "/api/suggest?field=" + encodeURIComponent(field) + "&q=" + encodeURIComponent(prefix);
      fetch(url, { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { values: [] }; })
        .then(function (data) {
          while (list.firstChild) { list.removeChild(list.firstChild); }
          (data.values || []).forEach(function (value) {
            var option = document.createElement("option");
            option.value = value;  // text only: never parsed as HTML
            list.appendChild(option);
          });
        })
        .catch(function () { /* suggestions are optional */ });
    }, 150);
    input.addEventListener("input", update);
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-suggest]"), wireSuggest);
    Array.prototype.forEach.call(document.querySelectorAll("button[data-confirm]"), function (button) {
      button.addEventListener("click", function (event) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
    var sort = document.getElementById("sort");
    if (sort && sort.form) {
      sort.addEventListener("change", function () { sort.form.submit(); });
    }
  });
})();
