/* Sizes the settings page's widget preview to its content, so every link the widget shows is visible
   (the preview is on this service's own origin). Without this script the frame keeps its CSS height. */
(function () {
  "use strict";
  var frame = document.querySelector("iframe.widget-preview");
  if (!frame) return;
  function fit() {
    try {
      var doc = frame.contentDocument;
      if (!doc || !doc.body) return;
      var view = doc.defaultView, body = doc.body;
      var margin = parseFloat(view.getComputedStyle(body).marginBottom) || 0;
      var frameBorders = frame.offsetHeight - frame.clientHeight;
      frame.style.height = Math.ceil(body.getBoundingClientRect().bottom + view.scrollY + margin) + frameBorders + "px";
    } catch (e) { /* another origin: keep the CSS height */ }
  }
  frame.addEventListener("load", function () {
    fit();
    setTimeout(fit, 300);
  });
  window.addEventListener("resize", fit);
  if (frame.contentDocument && frame.contentDocument.readyState === "complete") fit();
})();
