/* Small behaviours asked for by data attributes, instead of inline handlers
   (which the Content-Security-Policy does not run):
   data-select-on-focus  selects a field's text when it gets focus;
   data-submit-on-change submits the field's form when its value changes;
   form[data-confirm]    asks before the form is sent. */
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) event.target.select();
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-submit-on-change]") && event.target.form) {
      event.target.form.requestSubmit ? event.target.form.requestSubmit() : event.target.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
