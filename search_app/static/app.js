// Small conveniences on top of pages that work without JavaScript:
// "/" focuses the search box, and each citation gets a Copy button.
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("q");
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if (event.key === "/" && box && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });

  function copy(text, button) {
    var done = function () {
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 2000);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  }

  document.querySelectorAll(".citation").forEach(function (citation) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy this citation");
    button.addEventListener("click", function () { copy(citation.textContent.trim(), button); });
    citation.insertAdjacentElement("afterend", button);
  });
})();
