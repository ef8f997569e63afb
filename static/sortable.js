// Sortable tables, as progressive enhancement: without this file a table[data-sortable] is a
// plain table in the server's order. With it, each column heading of the last header row
// becomes a button; pressing it sorts the body rows by that column (again: the other way),
// and the heading's aria-sort says how the table is sorted now.
//
// A cell sorts by its data-value (a number, or text for a heading marked data-sort="text");
// an empty value always sorts last. Numbers start high-first (higher is the figure to look
// at), text A to Z.
(function () {
  "use strict";

  function cellValue(row, index, asText) {
    var cell = row.cells[index];
    var raw = cell ? (cell.getAttribute("data-value") || "").trim() : "";
    if (raw === "") { return null; }
    if (asText) { return raw.toLocaleLowerCase(); }
    var number = parseFloat(raw);
    return isNaN(number) ? null : number;
  }

  function sortBy(table, headings, heading, index) {
    var asText = heading.getAttribute("data-sort") === "text";
    var current = heading.getAttribute("aria-sort");
    var first = asText ? "ascending" : "descending";
    var direction = current === first ? (first === "ascending" ? "descending" : "ascending") : first;
    var sign = direction === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, position) { row.setAttribute("data-position", position); });
    rows.sort(function (a, b) {
      var x = cellValue(a, index, asText), y = cellValue(b, index, asText);
      if (x === null || y === null) {
        if (x === y) { return a.getAttribute("data-position") - b.getAttribute("data-position"); }
        return x === null ? 1 : -1;
      }
      if (x < y) { return -sign; }
      if (x > y) { return sign; }
      // ties keep their current order, so sorting by one column then another nests
      return a.getAttribute("data-position") - b.getAttribute("data-position");
    });
    rows.forEach(function (row) { body.appendChild(row); });
    headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
    heading.setAttribute("aria-sort", direction);
    var status = table.parentNode.querySelector("[data-sort-status]");
    if (status) {
      status.textContent = "Sorted by " + heading.textContent.trim() + ", " +
        (direction === "ascending" ? (asText ? "A to Z" : "lowest first")
                                   : (asText ? "Z to A" : "highest first")) + ".";
    }
  }

  function enhance(table) {
    var head = table.tHead;
    if (!head || !table.tBodies.length) { return; }
    var row = head.rows[head.rows.length - 1];
    var headings = Array.prototype.slice.call(row.cells);
    headings.forEach(function (heading, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (heading.firstChild) { button.appendChild(heading.firstChild); }
      var arrow = document.createElement("span");
      arrow.className = "sort-arrow";
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      heading.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, headings, heading, index); });
    });
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("data-sort-status", "");
    table.parentNode.appendChild(status);
    table.classList.add("is-sortable");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var tables = document.querySelectorAll("table[data-sortable]");
    tables.forEach(enhance);
    // "choose a column heading to sort" only where that works
    if (tables.length) {
      document.querySelectorAll("[data-sort-hint]").forEach(function (hint) { hint.hidden = false; });
    }
  });
})();
