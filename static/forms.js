// After a failed post, take the reader to what went wrong: focus the error summary of the form
// that failed (screen readers announce it) and bring it into view. Pages work without this file.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) { return; }
  summary.scrollIntoView({ block: "start" });
  summary.focus({ preventScroll: true });
});
