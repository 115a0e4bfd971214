// Small progressive enhancements; every page works without this file.
// Send the CSRF token with every htmx request (read from the page's meta tag).
document.addEventListener("htmx:configRequest", function (event) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) {
    event.detail.headers["X-CSRF-Token"] = meta.getAttribute("content");
  }
});
// Filter forms submit themselves when a select changes.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.matches && el.matches("form[data-autosubmit] select")) {
    el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
  }
});
