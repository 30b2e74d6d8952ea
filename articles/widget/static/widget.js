/* Clinic Reads "You Might Also Enjoy" embed. Paste into the article page template:
     <script src="https://HOST/widget.js" async></script>
     <div data-clinic-reads data-site="SLUG"></div>
   The block shows the related reading of the article at this page's address, so that address must be the URL
   of an article imported into Clinic Reads: data-url="ARTICLE URL" if set, else the page's
   <link rel="canonical">, else the address bar. Pages on a staging or www variant of the imported host find
   their article once that host is a host alias (admin "Widget" page, where "Test a page address" shows
   what a page would get and why). The page's origin must be allowed in the admin "Site settings".
   Options: data-limit="1..20" (default: the site's number of links, 4 unless changed),
   data-heading="..." ("You Might Also Enjoy"), data-layout="list|cards".
   Problems are told once per block with console.warn, naming the fix.
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
    ".cr-w .cr-b{min-width:0;display:grid;gap:.15rem}.cr-w .cr-ti{font-weight:600;color:var(--cr-accent,#0b6e4f)}" +
    ".cr-w .cr-s{color:var(--cr-muted,#5b5b63);font-size:.9rem;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}" +
    ".cr-w.cr-text .cr-l{gap:.1rem}.cr-w.cr-text .cr-a{padding:.35rem .5rem}" +
    ".cr-w.cr-cards .cr-l{grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));margin:0}" +
    ".cr-w.cr-cards .cr-a{flex-direction:column;align-items:stretch;height:100%;box-sizing:border-box;border:1px solid var(--cr-border,#e3e3e6)}" +
    ".cr-w.cr-cards .cr-t{width:100%;height:auto;aspect-ratio:16/9}.cr-w.cr-cards .cr-s{white-space:normal}";

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
  function thumb(src) {
    var img = el("img", "cr-t");
    img.setAttribute("src", src);
    img.setAttribute("alt", ""); // decorative: the title is right beside it
    img.setAttribute("loading", "lazy");
    img.setAttribute("width", "72");
    img.setAttribute("height", "52");
    img.addEventListener("error", function () { if (img.parentNode) img.parentNode.removeChild(img); });
    return img;
  }
  function render(box, data) {
    var items = data && data.items, list = el("ul", "cr-l"), sec = el("section", "cr-w"), id = "cr-h-" + (++n),
      cards = box.getAttribute("data-layout") == "cards", pictures = 0, h, i, it, a, b, href, src;
    if (!items || !items.length) throw new Error("this article has no related articles yet");
    for (i = 0; i < items.length; i++) {
      it = items[i];
      href = web(it && it.url);
      if (!href || !it.title) continue;
      a = el("a", "cr-a");
      a.setAttribute("href", href);
      b = el("span", "cr-b");
      b.appendChild(el("span", "cr-ti", String(it.title)));
      if (it.summary) b.appendChild(el("span", "cr-s", String(it.summary)));
      src = web(it.image);
      if (src) { a.appendChild(thumb(src)); pictures++; }
      a.appendChild(b);
      list.appendChild(el("li")).appendChild(a);
    }
    if (!list.firstChild) throw new Error("no usable related articles");
    // without pictures the list is compact text: no empty boxes or letter tiles beside the titles
    sec.className = "cr-w" + (cards ? " cr-cards" : "") + (pictures ? "" : " cr-text");
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
  function refused(r, url, site) {
    return r.json().then(function (body) { return body && body.error && body.error.code; }, function () { return ""; })
      .then(function (code) {
        if (code == "unknown_site") return "there is no site '" + site + "' at " + base + ": check data-site";
        if (code == "unknown_article") {
          return "the page address " + url + " is not the URL of a published article imported into Clinic Reads. " +
            "Give the block data-url=\"<the article's URL as imported>\" (or a <link rel=\"canonical\"> with it), " +
            "or, for a staging or www copy of your site, add this host as a host alias on the admin Widget page " +
            "(\"Test a page address\" there shows what each address gets)";
        }
        return "the service answered " + r.status + (code ? " (" + code + ")" : "");
      });
  }
  function blocked(site) {
    var origin = w.location.origin;
    // the answer was refused or never came: a plain no-cors request tells an unreachable service apart
    return fetch(base + "widget.js", { mode: "no-cors", credentials: "omit", cache: "no-store" }).then(function () {
      return "the browser refused the answer because this page's origin " + origin + " is not allowed for site '" +
        site + "'. Add " + origin + " to \"Websites allowed to show the widget\" in the Clinic Reads admin Site settings" +
        " (and check that data-site is the site's slug)";
    }, function () { return "the service at " + base + " could not be reached"; });
  }
  function load(box) {
    var site = box.getAttribute("data-site") || "", limit = parseInt(box.getAttribute("data-limit"), 10), warned = 0,
      url = pageUrl(box);
    function fail(why) {
      if (!warned++) w.console && console.warn("Clinic Reads: no related articles shown for site '" + site + "': " + why);
    }
    if (!site || !w.fetch) return fail(site ? "this browser has no fetch()" : "data-site is missing");
    if (!web(url)) return fail("the page address " + url + " is not an http(s) URL: set data-url to the article's URL");
    // without data-limit the site's own number of links applies (admin "Widget" page)
    fetch(base + "api/v1/sites/" + encodeURIComponent(site) + "/related?" +
      (limit ? "limit=" + Math.min(Math.max(limit, 1), 20) + "&" : "") + "url=" + encodeURIComponent(url), { credentials: "omit" })
      .then(function (r) {
        if (r.status != 200) return refused(r, url, site).then(function (why) { throw new Error(why); });
        return r.json().then(function (data) { render(box, data); });
      }, function () { return blocked(site).then(function (why) { throw new Error(why); }); })
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
