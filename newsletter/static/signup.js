/* Sign-up and preferences forms, progressively enhanced: the browser's time zone, and a search box that
   offers the clinic's topics and article titles as the reader types. Without this script the forms post
   as they are (the server falls back to the clinic's default time zone). */
(function () {
  "use strict";

  function fillTimeZone(form) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
    var input = form.querySelector("[data-cr-zone-input]");
    if (!zone || !input) { return; }
    input.value = zone;
    var shown = form.querySelector("[data-cr-zone]");
    if (shown) { shown.textContent = zone; }
  }

  function topicBox(form, name) {
    var boxes = form.querySelectorAll('input[type=checkbox][name=topics]');
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].value === name) { return boxes[i]; }
    }
    return null;
  }

  function choose(form, item) {
    if (item.kind === "topic") {
      var box = topicBox(form, item.label);
      if (box) { box.checked = true; box.focus(); return; }
    }
    var text = form.querySelector("input[name=interest_text]");
    if (!text) { return; }
    var joined = text.value ? text.value + ", " + item.label : item.label;
    if (joined.length <= 200) { text.value = joined; }
    text.focus();
  }

  function enhanceSearch(form) {
    var box = form.querySelector("[data-cr-search]");
    if (!box || !window.fetch) { return; }
    var input = box.querySelector("input");
    var list = box.querySelector("ul");
    var url = box.getAttribute("data-cr-search");
    var timer = null;
    var latest = 0;
    box.hidden = false;

    function show(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.textContent = (item.kind === "topic" ? "Topic: " : "Article: ") + item.label;
        button.addEventListener("click", function () {
          choose(form, item);
          list.textContent = "";
          input.value = "";
          input.setAttribute("aria-expanded", "false");
        });
        li.appendChild(button);
        list.appendChild(li);
      });
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { show([]); return; }
      timer = setTimeout(function () {
        var ask = ++latest;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { items: [] }; })
          .then(function (data) { if (ask === latest) { show((data.items || []).slice(0, 10)); } })
          .catch(function () { show([]); });
      }, 250);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
      if (event.key === "Escape") { show([]); }
    });
  }

  function enhance() {
    var forms = document.querySelectorAll("form.cr-subscribe, form.cr-preferences");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].classList.contains("cr-subscribe")) { fillTimeZone(forms[i]); }
      enhanceSearch(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
