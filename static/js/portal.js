/* Behaviour shared by every page, bound by data- attributes (the Content-Security-Policy
 * allows no inline script or event handler attribute).
 *
 * - data-submit-on-change on a form field: changing it submits its form.
 * - data-confirm on a form: the browser asks this question before sending it.
 * - .menu-toggle in the top bar: on a narrow screen the menu folds behind it (portal.css);
 *   without this script the menu stays unfolded.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (e) {
    var field = e.target;
    if (field && field.form && field.hasAttribute("data-submit-on-change")) field.form.submit();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".topbar .menu-toggle");
    if (!toggle) return;
    var bar = toggle.closest(".topbar");
    bar.classList.add("folding");
    toggle.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });
})();
