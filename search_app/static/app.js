// Small conveniences on top of pages that work without JavaScript:
// "/" focuses the search box, each citation gets a Copy button, and a link to a passage of a
// long document that lacks its part (#p-450 on the first part) moves to the part holding it.
(function () {
  "use strict";

  function toPassagePart() {
    var nav = document.querySelector("nav.parts[data-part-size]");
    var wanted = /^#p-([0-9]+)$/.exec(window.location.hash);
    if (!nav || !wanted || document.getElementById("p-" + wanted[1])) {
      return;
    }
    var size = Number(nav.getAttribute("data-part-size"));
    var part = Math.floor((Number(wanted[1]) - 1) / size) + 1;
    var parts = Number(nav.getAttribute("data-parts"));
    if (part < 1 || part > parts || part === Number(nav.getAttribute("data-part"))) {
      return;
    }
    var url = new URL(window.location.href);
    if (part === 1) {
      url.searchParams.delete("part");
    } else {
      url.searchParams.set("part", String(part));
    }
    window.location.replace(url.toString());
  }
  toPassagePart();
  window.addEventListener("hashchange", toPassagePart);

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
