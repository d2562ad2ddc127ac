/* DefectKB tables: sort by clicking a column header, filter with the form above the table.
   The filter and sort state lives in the URL query, so a filtered view can be shared and
   survives a reload. No dependencies, no network. */
(function () {
  "use strict";

  function cellValue(row, index, type) {
    var cell = row.cells[index];
    if (!cell) return "";
    var raw = cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
    if (type === "num") {
      var n = parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return raw.toLowerCase();
  }

  function sortTable(table, index, direction) {
    var th = table.tHead.rows[0].cells[index];
    if (!th) return;
    var type = th.getAttribute("data-sort-type") || "text";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index, type), y = cellValue(b, index, type);
      var c = x < y ? -1 : x > y ? 1 : 0;
      return direction === "descending" ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", direction);
  }

  function params() { return new URLSearchParams(window.location.search); }

  function writeParams(p) {
    var query = p.toString();
    var url = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    window.history.replaceState(null, "", url);
  }

  function setupSorting(table, persist) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var next = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sortTable(table, index, next);
        if (persist) {
          var p = params();
          p.set("sort", (th.getAttribute("data-col") || index) + ":" + (next === "ascending" ? "asc" : "desc"));
          writeParams(p);
        }
      });
    });
  }

  function restoreSort(table) {
    var sort = params().get("sort");
    if (!sort) return;
    var parts = sort.split(":");
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var index = heads.findIndex(function (th) { return th.getAttribute("data-col") === parts[0]; });
    if (index >= 0) sortTable(table, index, parts[1] === "desc" ? "descending" : "ascending");
  }

  function matches(row, filters) {
    for (var name in filters) {
      var want = filters[name];
      if (!want) continue;
      if (name === "q") {
        if ((row.getAttribute("data-text") || "").indexOf(want.toLowerCase()) < 0) return false;
      } else if (name === "from") {
        if ((row.getAttribute("data-date") || "") < want) return false;
      } else if (name === "to") {
        if ((row.getAttribute("data-date") || "") > want) return false;
      } else {
        var have = (row.getAttribute("data-" + name) || "").split(" ");
        if (have.indexOf(want) < 0) return false;
      }
    }
    return true;
  }

  function setupFilters(form) {
    var table = document.getElementById(form.getAttribute("data-table"));
    if (!table) return;
    var output = form.querySelector(".kb-count");
    var fields = Array.prototype.slice.call(form.elements).filter(function (el) { return el.name; });

    function apply(persist) {
      var filters = {};
      fields.forEach(function (el) { filters[el.name] = el.value.trim(); });
      var rows = table.tBodies[0].rows, shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var ok = matches(rows[i], filters);
        rows[i].hidden = !ok;
        if (ok) shown++;
      }
      if (output) {
        output.textContent = shown + " " + form.getAttribute("data-shown") + " / " +
          form.getAttribute("data-of") + " " + rows.length;
      }
      if (persist) {
        var p = params();
        fields.forEach(function (el) {
          if (el.value.trim()) p.set(el.name, el.value.trim()); else p.delete(el.name);
        });
        writeParams(p);
      }
    }

    var p = params();
    fields.forEach(function (el) {
      var value = p.get(el.name);
      if (value === null) return;
      if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === value; })) {
        var option = document.createElement("option");  // keep a shared filter even if nothing matches it now
        option.value = value; option.textContent = value;
        el.appendChild(option);
      }
      el.value = value;
    });
    form.addEventListener("input", function () { apply(true); });
    form.addEventListener("change", function () { apply(true); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
    apply(false);
  }

  function init() {
    var tables = document.querySelectorAll("table.kb-table");
    Array.prototype.forEach.call(tables, function (table) {
      if (table.getAttribute("data-kb-ready")) return;
      table.setAttribute("data-kb-ready", "1");
      var filtered = !!document.querySelector('form.kb-filters[data-table="' + table.id + '"]');
      var persist = filtered || tables.length === 1;
      setupSorting(table, persist);
      if (persist) restoreSort(table);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form.kb-filters"), function (form) {
      if (form.getAttribute("data-kb-ready")) return;
      form.setAttribute("data-kb-ready", "1");
      setupFilters(form);
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);  // mkdocs-material instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
