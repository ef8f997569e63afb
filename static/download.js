/* A download that takes a while (the board pack: seconds, up to half a minute for a large
   trust). Without this script the link is a plain download link. With it, the page says the
   file is being made, counts the seconds, and says when it is ready or what went wrong, in a
   live region a screen reader announces; a second click while it is being made does nothing. */
(function () {
  "use strict";
  function filenameOf(response, fallback) {
    var header = response.headers.get("Content-Disposition") || "";
    var match = /filename="?([^";]+)"?/.exec(header);
    return match ? match[1] : fallback;
  }
  function save(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }
  document.querySelectorAll("a[data-long-download]").forEach(function (link) {
    var status = document.getElementById(link.getAttribute("data-long-download"));
    if (!status || !window.fetch || !window.URL) { return; }
    var busy = false;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      link.setAttribute("aria-disabled", "true");
      var started = Date.now();
      var what = link.getAttribute("data-what") || "The file";
      status.textContent = what + " is being made…";
      var ticker = setInterval(function () {
        var seconds = Math.round((Date.now() - started) / 1000);
        status.textContent = what + " is being made… " + seconds + " s";
      }, 1000);
      function done(message) {
        clearInterval(ticker);
        busy = false;
        link.removeAttribute("aria-disabled");
        status.textContent = message;
      }
      fetch(link.href, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) {
          throw new Error("the server answered " + response.status);
        }
        var name = filenameOf(response, "download");
        return response.blob().then(function (blob) {
          save(blob, name);
          done(what + " is ready: " + name + " (" + Math.round((Date.now() - started) / 1000) + " s).");
        });
      }).catch(function (error) {
        done(what + " could not be made (" + error.message + "). Try again, or ask an admin if it keeps failing.");
      });
    });
  });
}());
