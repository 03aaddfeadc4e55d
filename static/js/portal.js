/* Behaviour shared by every page, bound by data- attributes (the Content-Security-Policy
 * allows no inline script or event handler attribute).
 *
 * - data-submit-on-change on a form field: changing it submits its form.
 * - data-confirm on a form: the browser asks this question before sending it.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (e) {
    var field = e.target;
    if (field && field.form && field.hasAttribute("data-submit-on-change")) field.form.submit();
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      e.preventDefault();
    }
  });
})();
