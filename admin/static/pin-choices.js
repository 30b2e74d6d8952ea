/* Type-ahead for "Pin an article": fills the title box's <datalist> from the page's JSON choices endpoint.
   Without this script the form still works: a partial title lists the matching articles to pin. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-choices]");
  if (!form || !window.fetch) return;
  var input = form.querySelector("input[list]"), list = document.getElementById(input.getAttribute("list"));
  var timer = 0, asked = "";
  function fill(items) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.title;
      list.appendChild(option);
    });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = input.value.trim();
      if (q.length < 2 || q === asked) return;
      asked = q;
      fetch(form.getAttribute("data-choices") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (data) { if (input.value.trim() === q) fill(data.items || []); })
        .catch(function () { fill([]); });
    }, 150);
  });
})();
