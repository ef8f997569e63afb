// Progressive enhancement for the allocation form: offer only the chosen school's
// initiatives. Without this file every initiative is listed and the server checks.
document.addEventListener("DOMContentLoaded", function () {
  var school = document.getElementById("school_id");
  var initiative = document.getElementById("initiative_id");
  if (!school || !initiative || !document.querySelector(".allocation-form")) { return; }
  function narrow() {
    var chosen = school.value;
    Array.prototype.forEach.call(initiative.options, function (option) {
      var schools = option.getAttribute("data-schools");
      var fits = !schools || chosen === "0" || schools.split(" ").indexOf(chosen) !== -1;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!fits && option.selected) { initiative.value = "0"; }
    });
  }
  school.addEventListener("change", narrow);
  narrow();
});
