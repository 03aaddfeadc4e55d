/* Behaviour shared by every page, bound by data- attributes (the Content-Security-Policy
 * allows no inline script or event handler attribute).
 *
 * - data-submit-on-change on a form field: changing it submits its form.
 * - data-confirm on a form: the browser asks this question before sending it.
 * - .menu-toggle in the top bar: on a narrow screen the menu folds behind it (portal.css);
 *   without this script the menu stays unfolded.
 * - data-disables="name" on a checkbox: while it is ticked, its form's field of that name
 *   is disabled (an internal note never counts as a qualified response).
 * - data-shown-when="name=value" on a part of a form: it shows only while the form's field
 *   of that name has that value (a request's own fields for its kind); without this script
 *   it always shows.
 */
(function () {
  "use strict";

  function applyShownWhen(part) {
    var rule = part.getAttribute("data-shown-when").split("=");
    var form = part.closest("form");
    var field = form && form.elements[rule[0]];
    if (field) part.hidden = field.value !== rule[1];
  }

  function showParts() {
    document.querySelectorAll("[data-shown-when]").forEach(applyShownWhen);
  }

  function applyDisables(box) {
    var target = box.form && box.form.elements[box.getAttribute("data-disables")];
    if (target) target.disabled = box.checked;
  }

  document.addEventListener("change", function (e) {
    var field = e.target;
    if (field && field.form && field.hasAttribute("data-submit-on-change")) field.form.submit();
    if (field && field.hasAttribute && field.hasAttribute("data-disables")) applyDisables(field);
    if (field && field.form && field.form.querySelector("[data-shown-when]")) showParts();
  });

  document.addEventListener("DOMContentLoaded", showParts);
  document.addEventListener("htmx:afterSwap", showParts);

  // A form shown again with the box ticked (a reply kept after an error) starts disabled too.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-disables]").forEach(applyDisables);
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
