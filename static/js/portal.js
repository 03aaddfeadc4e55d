/* Behaviour shared by every page, bound by data- attributes (the Content-Security-Policy
 * allows no inline script or event handler attribute).
 *
 * - data-submit-on-change on a form field: changing it submits its form.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (e) {
    var field = e.target;
    if (field && field.form && field.hasAttribute("data-submit-on-change")) field.form.submit();
  });
})();
