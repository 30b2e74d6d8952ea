/* Clinic Reads "You Might Also Enjoy" embed. <script src="https://HOST/widget.js" async></script>
   <div data-clinic-reads data-site="SLUG" [data-limit="4"] [data-url="PAGE URL"]></div>
   No dependencies; article data only ever reaches the page through textContent and checked attributes. */
(function (w, d) {
  "use strict";
  var me = d.currentScript || d.querySelector('script[src*="widget.js"]');
  if (!me || w.ClinicReads) return;
  var base = me.src.replace(/[?#].*$/, "").replace(/[^\/]*$/, ""), n = 0;
  var CSS = ".cr-w{font-family:var(--cr-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);color:var(--cr-text,#1d1d1f);background:var(--cr-bg,transparent);border-top:1px solid var(--cr-border,#e3e3e6);margin:2rem 0;padding-top:1rem;line-height:1.4}" +
    ".cr-w .cr-h{font-size:var(--cr-heading-size,1.25rem);font-weight:650;margin:0 0 .75rem;color:var(--cr-heading,inherit)}" +
    ".cr-w .cr-l{list-style:none;margin:0 -.5rem;padding:0;display:grid;gap:var(--cr-gap,.5rem)}" +
    ".cr-w .cr-a{display:flex;gap:.85rem;align-items:center;padding:.5rem;border-radius:var(--cr-radius,10px);color:inherit;text-decoration:none}" +
    ".cr-w .cr-a:hover{background:var(--cr-hover,#f4f6f5)}.cr-w .cr-a:hover .cr-ti{text-decoration:underline}" +
    ".cr-w .cr-a:focus-visible{outline:3px solid var(--cr-accent,#0b6e4f);outline-offset:2px}" +
    ".cr-w .cr-t{flex:none;width:4.5rem;height:3.25rem;border-radius:calc(var(--cr-radius,10px)*.6);object-fit:cover;background:var(--cr-thumb-bg,#e6f0ec)}" +
    ".cr-w .cr-ph{display:grid;place-items:center;color:var(--cr-accent,#0b6e4f);font-weight:700;font-size:1.25rem}" +
    ".cr-w .cr-b{min-width:0;display:grid;gap:.15rem}.cr-w .cr-ti{font-weight:600;color:var(--cr-accent,#0b6e4f)}" +
    ".cr-w .cr-s{color:var(--cr-muted,#5b5b63);font-size:.9rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}";

  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }
  function web(u) { return typeof u == "string" && /^https?:\/\//i.test(u) ? u : null; }
  function style() {
    if (d.getElementById("cr-style")) return;
    var s = el("style", 0, CSS);
    s.id = "cr-style";
    (d.head || d.documentElement).appendChild(s);
  }
  function thumb(it) {
    var ph = el("span", "cr-t cr-ph", String(it.category || it.title || "?").charAt(0).toUpperCase()), src = web(it.image), img;
    ph.setAttribute("aria-hidden", "true");
    if (!src) return ph;
    img = el("img", "cr-t");
    img.setAttribute("src", src);
    img.setAttribute("alt", ""); // decorative: the title is right beside it
    img.setAttribute("loading", "lazy");
    img.setAttribute("width", "72");
    img.setAttribute("height", "52");
    img.addEventListener("error", function () { if (img.parentNode) img.parentNode.replaceChild(ph, img); });
    return img;
  }
  function render(box, data) {
    var items = data && data.items, list = el("ul", "cr-l"), sec = el("section", "cr-w"), id = "cr-h-" + (++n), h, i, it, a, b, href;
    if (!items || !items.length) throw new Error("no related articles");
    for (i = 0; i < items.length; i++) {
      it = items[i];
      href = web(it && it.url);
      if (!href || !it.title) continue;
      a = el("a", "cr-a");
      a.setAttribute("href", href);
      b = el("span", "cr-b");
      b.appendChild(el("span", "cr-ti", String(it.title)));
      if (it.summary) b.appendChild(el("span", "cr-s", String(it.summary)));
      a.appendChild(thumb(it));
      a.appendChild(b);
      list.appendChild(el("li")).appendChild(a);
    }
    if (!list.firstChild) throw new Error("no usable related articles");
    h = el("h2", "cr-h", box.getAttribute("data-heading") || "You Might Also Enjoy");
    h.id = id;
    sec.setAttribute("aria-labelledby", id);
    sec.appendChild(h);
    sec.appendChild(list);
    style();
    box.appendChild(sec);
  }
  function pageUrl(box) {
    var c = d.querySelector('link[rel="canonical"]');
    return box.getAttribute("data-url") || (c && c.href) || w.location.href;
  }
  function load(box) {
    var site = box.getAttribute("data-site") || "", limit = parseInt(box.getAttribute("data-limit"), 10) || 4, warned = 0;
    function fail(why) {
      if (!warned++) w.console && console.warn("Clinic Reads: no related articles shown for site '" + site + "': " + why);
    }
    if (!site || !w.fetch) return fail(site ? "this browser has no fetch()" : "data-site is missing");
    fetch(base + "api/v1/sites/" + encodeURIComponent(site) + "/related?limit=" + Math.min(Math.max(limit, 1), 20) +
      "&url=" + encodeURIComponent(pageUrl(box)), { credentials: "omit" })
      .then(function (r) {
        if (r.status != 200) throw new Error("the service answered " + r.status);
        return r.json();
      })
      .then(function (data) { render(box, data); })
      .catch(function (e) { fail(e && e.message || e); });
  }
  function scan() {
    var boxes = d.querySelectorAll("[data-clinic-reads]"), io, i, box;
    if (w.IntersectionObserver) {
      io = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (e.isIntersecting) { io.unobserve(e.target); load(e.target); }
        });
      }, { rootMargin: "200px" });
    }
    for (i = 0; i < boxes.length; i++) {
      box = boxes[i];
      if (box.getAttribute("data-cr-state")) continue;
      box.setAttribute("data-cr-state", "1");
      io ? io.observe(box) : load(box);
    }
  }
  w.ClinicReads = { scan: scan };
  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", scan);
  else scan();
})(window, document);
