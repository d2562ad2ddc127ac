/* DefectKB tables: sort by clicking a column header, filter with the form above the table.
   The filter and sort state lives in the URL query, so a filtered view can be shared and
   survives a reload. No dependencies, no network beyond the site itself.

   Two kinds of table:
   - small tables (products, people, a person's entries) are plain HTML; the script hides and
     reorders their rows;
   - the "All defects" / "All lessons" tables carry `data-src`: the script loads the rows from
     that JSON file and shows them a page at a time, so the page stays small at 10,000 entries.
     The HTML holds the first page; while it is shown unfiltered and unsorted, and the JSON's
     `version` is the table's `data-version` (made from the same rows), its rows are kept.
     Rows are built with textContent: nothing from the data is parsed as HTML. */
(function () {
  "use strict";

  function params() { return new URLSearchParams(window.location.search); }

  function writeParams(p) {
    var query = p.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }

  function compare(x, y) { return x < y ? -1 : x > y ? 1 : 0; }

  /* ---- plain HTML tables ---------------------------------------------------------------- */

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

  function sortDom(table, index, direction) {
    var th = table.tHead.rows[0].cells[index];
    var type = th.getAttribute("data-sort-type") || "text";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var c = compare(cellValue(a, index, type), cellValue(b, index, type));
      return direction === "descending" ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  function markSorted(table, index, direction) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) { c.removeAttribute("aria-sort"); });
    if (index >= 0) table.tHead.rows[0].cells[index].setAttribute("aria-sort", direction);
  }

  function rowMatches(get, filters) {
    for (var name in filters) {
      var want = filters[name];
      if (!want || name === "page") continue;
      if (name === "q") {
        if (get("text").indexOf(want.toLowerCase()) < 0) return false;
      } else if (name === "from") {
        if (get("date") < want) return false;
      } else if (name === "to") {
        if (get("date") > want) return false;
      } else if (get(name).split(" ").indexOf(want) < 0) {
        return false;
      }
    }
    return true;
  }

  /* ---- JSON-backed tables --------------------------------------------------------------- */

  function JsonTable(table, data) {
    this.table = table;
    this.data = data;
    // rows per page: as many as the HTML holds (PAGE_ROWS in kb/site/pages.py)
    this.size = parseInt(table.getAttribute("data-page") || "", 10) || 50;
    this.cols = data.columns;
    this.view = data.rows;
    this.page = 1;
    var self = this;
    this.rank = {};
    ["severity", "status"].forEach(function (key) {
      self.rank[key] = {};
      Object.keys(data.labels[key] || {}).forEach(function (v, i) { self.rank[key][v] = i; });
    });
  }

  JsonTable.prototype.value = function (row, key) {
    var i = this.cols.indexOf(key);
    var v = i < 0 ? "" : row[i];
    return Array.isArray(v) ? v.join(" ") : (v === null || v === undefined ? "" : String(v));
  };

  JsonTable.prototype.text = function (row) {
    var d = this.data, self = this;
    var parts = [self.value(row, "id"), self.value(row, "title"), self.value(row, "tag")];
    self.value(row, "product").split(" ").forEach(function (p) { parts.push(p, d.products[p] || ""); });
    self.value(row, "people").split(" ").forEach(function (p) { parts.push(p, d.people[p] || ""); });
    return parts.join(" ").toLowerCase();
  };

  JsonTable.prototype.filter = function (filters) {
    var self = this;
    this.view = this.data.rows.filter(function (row) {
      return rowMatches(function (name) {
        return name === "text" ? self.text(row) : self.value(row, name);
      }, filters);
    });
  };

  JsonTable.prototype.sort = function (key, direction) {
    var self = this, rank = this.rank[key];
    this.view.sort(function (a, b) {
      var x = self.value(a, key), y = self.value(b, key);
      if (rank) { x = rank[x]; y = rank[y]; } else { x = x.toLowerCase(); y = y.toLowerCase(); }
      var c = compare(x, y) || compare(self.value(a, "id"), self.value(b, "id"));
      return direction === "descending" ? -c : c;
    });
  };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function link(href, text, cls) {
    var a = el("a", cls, text);
    a.href = href;
    return a;
  }

  JsonTable.prototype.render = function () {
    var d = this.data, self = this, base = this.table.getAttribute("data-base") || "";
    var body = this.table.tBodies[0];
    var pages = Math.max(1, Math.ceil(this.view.length / this.size));
    this.page = Math.min(Math.max(1, this.page), pages);
    var start = (this.page - 1) * this.size;
    var frag = document.createDocumentFragment();
    this.view.slice(start, start + this.size).forEach(function (row) {
      var tr = el("tr");
      tr.setAttribute("data-id", self.value(row, "id"));
      ["severity", "status", "pm", "date", "kind", "origin"].forEach(function (k) { tr.setAttribute("data-" + k, self.value(row, k)); });
      tr.setAttribute("data-tag", self.value(row, "tag"));
      tr.setAttribute("data-product", self.value(row, "product"));
      var url = base + self.value(row, "url");
      self.table.getAttribute("data-columns").split(" ").forEach(function (col) {
        var td = el("td");
        var v = self.value(row, col);
        if (col === "id") { td.className = "kb-nowrap"; td.appendChild(link(url, v)); }
        else if (col === "title") { td.className = "kb-title"; td.appendChild(link(url, v)); }
        else if (col === "severity" || col === "status") {
          td.appendChild(el("span", "kb-badge kb-" + col + "-" + v, (d.labels[col] || {})[v] || v));
        } else if (col === "product") {
          v.split(" ").forEach(function (p, i) {
            if (i) td.appendChild(document.createTextNode(", "));
            td.appendChild(link(base + d.urls.product.replace("__KEY__", p), d.products[p] || p));
          });
        } else if (col === "component") { td.textContent = (d.components[self.value(row, "product") + "/" + v]) || v; }
        else if (col === "pm") { td.appendChild(link(base + d.urls.person.replace("__KEY__", v), d.people[v] || v)); }
        else if (col === "tag") {
          v.split(" ").filter(Boolean).forEach(function (t) {
            td.appendChild(link(base + d.urls.tag.replace("__KEY__", t), "#" + t, "kb-tag"));
            td.appendChild(document.createTextNode(" "));
          });
        } else if (col === "date") { td.className = "kb-nowrap"; td.textContent = v; }
        else { td.textContent = v; }
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.textContent = "";
    body.appendChild(frag);
    this.renderPager(pages);
  };

  JsonTable.prototype.renderPager = function (pages) {
    var self = this;
    var pager = this.table.parentNode.parentNode.querySelector(".kb-pager");
    if (!pager) return;
    pager.textContent = "";
    pager.hidden = pages <= 1;
    var prev = el("button", "md-button", "‹"), next = el("button", "md-button", "›");
    prev.type = next.type = "button";
    prev.disabled = this.page <= 1;
    next.disabled = this.page >= pages;
    prev.setAttribute("aria-label", "previous page");
    next.setAttribute("aria-label", "next page");
    prev.addEventListener("click", function () { self.goto(self.page - 1); });
    next.addEventListener("click", function () { self.goto(self.page + 1); });
    pager.appendChild(prev);
    pager.appendChild(el("span", "kb-page", self.page + " / " + pages));
    pager.appendChild(next);
  };

  JsonTable.prototype.goto = function (page) {
    this.page = page;
    this.render();
    var p = params();
    if (this.page > 1) p.set("page", String(this.page)); else p.delete("page");
    writeParams(p);
  };

  /* ---- wiring ----------------------------------------------------------------------------- */

  function setup(table, data) {
    var form = document.querySelector('form.kb-filters[data-table="' + table.id + '"]');
    var persist = !!form || document.querySelectorAll("table.kb-table").length === 1;
    var json = data ? new JsonTable(table, data) : null;
    var heads = Array.prototype.slice.call(table.tHead ? table.tHead.rows[0].cells : []);
    var sortState = null;

    function applySort() {
      if (!sortState) return;
      var index = heads.findIndex(function (th) { return th.getAttribute("data-col") === sortState.col; });
      if (index < 0) return;
      if (json) json.sort(sortState.col, sortState.dir);
      else sortDom(table, index, sortState.dir);
      markSorted(table, index, sortState.dir);
    }

    var fields = form ? Array.prototype.slice.call(form.elements).filter(function (e) { return e.name; }) : [];
    var output = form ? form.querySelector(".kb-count") : null;

    function apply(persistNow, keepPage, first) {
      var filters = {};
      fields.forEach(function (f) { filters[f.name] = f.value.trim(); });
      var shown, total;
      if (json) {
        json.filter(filters);
        applySort();
        if (!keepPage) json.page = 1;
        var plain = !sortState && json.page === 1 && !fields.some(function (f) { return filters[f.name]; });
        // On load, the HTML already holds the first page if the JSON was made with the same rows.
        if (first && plain && json.data.version && table.getAttribute("data-version") === json.data.version) {
          json.renderPager(Math.max(1, Math.ceil(json.view.length / json.size)));
        } else {
          json.render();
        }
        shown = json.view.length; total = json.data.rows.length;
      } else {
        var rows = table.tBodies[0].rows;
        shown = 0; total = rows.length;
        for (var i = 0; i < rows.length; i++) {
          var row = rows[i];
          var ok = rowMatches(function (name) { return row.getAttribute("data-" + name) || ""; }, filters);
          row.hidden = !ok;
          if (ok) shown++;
        }
      }
      if (output) output.textContent = shown + " " + form.getAttribute("data-shown") + " / " +
        form.getAttribute("data-of") + " " + total;
      if (persistNow) {
        var p = params();
        fields.forEach(function (f) { if (f.value.trim()) p.set(f.name, f.value.trim()); else p.delete(f.name); });
        if (!keepPage) p.delete("page");
        writeParams(p);
      }
    }

    heads.forEach(function (th, index) {
      var button = th.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sortState = { col: th.getAttribute("data-col") || String(index), dir: dir };
        if (json) { applySort(); json.render(); } else { sortDom(table, index, dir); markSorted(table, index, dir); }
        if (persist) {
          var p = params();
          p.set("sort", sortState.col + ":" + (dir === "ascending" ? "asc" : "desc"));
          writeParams(p);
        }
      });
    });

    var p = params();
    if (persist && p.get("sort")) {
      var parts = p.get("sort").split(":");
      sortState = { col: parts[0], dir: parts[1] === "desc" ? "descending" : "ascending" };
    }
    fields.forEach(function (f) {
      var value = p.get(f.name);
      if (value === null) return;
      if (f.tagName === "SELECT" && !Array.prototype.some.call(f.options, function (o) { return o.value === value; })) {
        var option = document.createElement("option");  // keep a shared filter even if nothing matches it now
        option.value = value; option.textContent = value;
        f.appendChild(option);
      }
      f.value = value;
    });
    if (form) {
      form.addEventListener("input", function () { apply(true); });
      form.addEventListener("change", function () { apply(true); });
      form.addEventListener("submit", function (event) { event.preventDefault(); });
      form.addEventListener("reset", function () { setTimeout(function () { apply(true); }, 0); });
    }
    if (json) json.page = parseInt(p.get("page") || "1", 10) || 1;
    if (!json) applySort();
    apply(false, true, true);
    table.setAttribute("data-kb-ready", "1");
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.kb-table"), function (table) {
      if (table.getAttribute("data-kb-init")) return;
      table.setAttribute("data-kb-init", "1");
      var src = table.getAttribute("data-src");
      if (!src) { setup(table, null); return; }
      fetch(src).then(function (r) { return r.json(); }).then(function (data) { setup(table, data); })
        .catch(function () { setup(table, null); });  // the server-rendered rows still work
    });
    headerSearch();
    var search = document.getElementById("kb-search");
    if (search && !search.getAttribute("data-kb-init")) {
      search.setAttribute("data-kb-init", "1");
      loadSearch(search);
    }
  }

  // The header search box: `/` or `s` focuses it; results appear below it as you type
  // (Pagefind's JS API, loaded on first use); Enter opens the full search page.
  // A large site's index comes in shards (bundles indexed one after another to bound the
  // indexer's memory): `pagefind/shards.json` lists the bundles to merge into the first one.
  function shardUrls(bundle) {
    var base = new URL(bundle, document.baseURI).href;
    return fetch(base + "shards.json").then(function (r) { return r.ok ? r.json() : { bundles: [] }; })
      .catch(function () { return { bundles: [] }; })
      .then(function (m) { return (m.bundles || []).map(function (b) { return new URL(b, base).href; }); });
  }
  var pagefind = null;
  function getPagefind(bundle) {
    if (!pagefind) {
      var url = new URL(bundle + "pagefind.js", document.baseURI).href;
      var root = new URL(bundle + "../", document.baseURI).pathname;
      pagefind = Promise.all([import(url), shardUrls(bundle)]).then(function (loaded) {
        var pf = loaded[0];
        return Promise.resolve(pf.options({ baseUrl: root })).then(function () {
          return Promise.all(loaded[1].map(function (u) { return pf.mergeIndex(u, { baseUrl: root }); }));
        }).then(function () { return pf; });
      });
    }
    return pagefind;
  }
  function headerSearch() {
    var form = document.querySelector("form.kb-header-search");
    if (!form || form.getAttribute("data-kb-init")) return;
    form.setAttribute("data-kb-init", "1");
    var input = form.querySelector("input");
    var box = form.querySelector(".kb-header-results");
    var bundle = form.getAttribute("data-bundle");
    var serial = 0;
    function hide() { box.hidden = true; input.setAttribute("aria-expanded", "false"); }
    function show(results, query) {
      box.textContent = "";
      results.forEach(function (r) {
        var a = el("a");
        a.href = r.url;
        a.setAttribute("role", "option");
        a.appendChild(el("strong", null, (r.meta && r.meta.title) || r.url));
        var ex = el("span");
        ex.innerHTML = (r.excerpt || "").replace(/<(?!\/?mark>)[^>]*>/g, "");  // only Pagefind's <mark>
        a.appendChild(ex);
        box.appendChild(a);
      });
      var all = el("a", "kb-header-results__all");
      all.href = form.getAttribute("action") + "?q=" + encodeURIComponent(query);
      all.textContent = results.length ? "→ " + input.getAttribute("aria-label") + ": " + query : "0 · " + query;
      box.appendChild(all);
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    input.addEventListener("input", function () {
      var query = input.value.trim();
      var mine = ++serial;
      if (!query) { hide(); return; }
      getPagefind(bundle).then(function (pf) { return pf.debouncedSearch(query, {}, 150); })
        .then(function (search) {
          if (!search || mine !== serial) return null;
          return Promise.all(search.results.slice(0, 8).map(function (r) { return r.data(); }));
        })
        .then(function (results) { if (results && mine === serial) show(results, query); })
        .catch(function () { hide(); });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { input.value = ""; hide(); input.blur(); }
      if (event.key === "ArrowDown" && !box.hidden && box.firstChild) { event.preventDefault(); box.firstChild.focus(); }
    });
    box.addEventListener("keydown", function (event) {
      var links = Array.prototype.slice.call(box.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && i < links.length - 1) { event.preventDefault(); links[i + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (i > 0 ? links[i - 1] : input).focus(); }
      if (event.key === "Escape") { hide(); input.focus(); }
    });
    document.addEventListener("click", function (event) { if (!form.contains(event.target)) hide(); });
    document.addEventListener("keydown", function (event) {
      if ((event.key !== "/" && event.key !== "s") || event.ctrlKey || event.metaKey || event.altKey) return;
      var target = event.target;
      var tag = target && target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
      event.preventDefault();
      input.focus();
      input.select();
    });
  }

  function loadSearch(box) {
    var bundle = box.getAttribute("data-bundle");
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = bundle + "pagefind-ui.css";
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = bundle + "pagefind-ui.js";
    var shards = shardUrls(bundle);
    script.onload = function () {
      shards.then(function (urls) {
        /* global PagefindUI */
        var root = new URL(bundle + "../", document.baseURI).pathname;
        var ui = new PagefindUI({ element: "#kb-search", showSubResults: true, showImages: false,
                                  bundlePath: bundle, baseUrl: root, resetStyles: false,
                                  mergeIndex: urls.map(function (u) { return { bundlePath: u, baseUrl: root }; }) });
        var q = params().get("q");
        if (q) ui.triggerSearch(q);
      });
    };
    document.head.appendChild(script);
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);  // mkdocs-material instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
