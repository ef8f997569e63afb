// My week: submit each item's form with fetch and swap the list in place, so the page
// neither reloads nor jumps. Without this file the forms post and redirect back to the item.
document.addEventListener("DOMContentLoaded", function () {
  var toast = document.getElementById("week-toast");
  var hideTimer = null;

  function say(text) {
    if (!toast || !text) { return; }
    toast.textContent = text;
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(function () { toast.textContent = ""; }, 6000);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-inline]") || !window.fetch || !window.DOMParser) { return; }
    event.preventDefault();
    var item = form.closest(".week-item");
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                        headers: {"Accept": "text/html"}})
      .then(function (response) {
        return response.text().then(function (html) { return {url: response.url, html: html}; });
      })
      .then(function (answer) {
        var fresh = new DOMParser().parseFromString(answer.html, "text/html");
        var list = fresh.getElementById("week");
        // Not this list (signed out, say): show the page the server sent instead.
        if (!list) { window.location.assign(answer.url); return; }
        document.getElementById("week").replaceWith(list);
        var flashes = fresh.querySelectorAll(".flashes .flash");
        say(Array.prototype.map.call(flashes, function (p) { return p.textContent; }).join(" "));
        var again = item && document.getElementById(item.id);
        var invalid = again && again.querySelector("[aria-invalid=true], .field-error input");
        (invalid || again || document.getElementById("main")).focus({preventScroll: true});
      })
      .catch(function () { form.submit(); });
  });
});
