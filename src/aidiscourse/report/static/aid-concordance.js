/* The book's concordance: finds a term in every sentence of window.AID_SENTENCES (written
 * at build time by aidiscourse.report.reader_pages) and lists each hit with its context,
 * grouped by document, linked to the sentence on the text's reader page.
 * Plain JavaScript, no network. Document text is inserted with textContent only. */
(function () {
  "use strict";
  var CONTEXT = 36;       // characters of context on each side
  var SHOWN = 60;         // hits shown per document before "show all"

  var data = window.AID_SENTENCES;
  var input = document.getElementById("aid-conc-term");
  var argumentOnly = document.getElementById("aid-conc-argument");
  var summary = document.getElementById("aid-conc-summary");
  var results = document.getElementById("aid-conc-results");
  if (!input || !summary || !results) return;
  if (!data) { summary.textContent = "The texts could not be loaded (_static/aid-sentences.js is missing)."; return; }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // paragraphs: their sentences joined, with where each sentence starts
  var paragraphs = [];
  data.rows.forEach(function (r) {
    var last = paragraphs[paragraphs.length - 1];
    if (!last || last.doc !== r[0] || last.paragraph !== r[1]) {
      last = {doc: r[0], paragraph: r[1], section: data.sections[r[3]], speaker: r[4], text: "", starts: [], sentences: []};
      paragraphs.push(last);
    }
    last.starts.push(last.text.length);
    last.sentences.push(r[2]);
    last.text += r[5];
  });

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  function sentenceAt(p, offset) {
    var i = p.starts.length - 1;
    while (i > 0 && p.starts[i] > offset) i--;
    return p.sentences[i];
  }

  function search(term) {
    var hits = data.docs.map(function () { return []; });
    var re = new RegExp(escapeRegExp(term), "giu");
    var onlyArgument = argumentOnly && argumentOnly.checked;
    paragraphs.forEach(function (p) {
      if (onlyArgument && data.argument.indexOf(p.section) < 0) return;
      re.lastIndex = 0;
      var m;
      while ((m = re.exec(p.text)) !== null) {
        var start = m.index, end = start + m[0].length;
        hits[p.doc].push({
          paragraph: p.paragraph, sentence: sentenceAt(p, start), speaker: p.speaker,
          left: p.text.slice(Math.max(0, start - CONTEXT), start), match: m[0],
          right: p.text.slice(end, end + CONTEXT)
        });
        if (m[0].length === 0) re.lastIndex++;
      }
    });
    return hits;
  }

  function hitRow(doc, h) {
    var tr = el("tr", "aid-conc-hit");
    var where = el("td", "aid-conc-where");
    var a = el("a", null, "¶" + h.paragraph);
    a.href = doc.page + "#s-" + h.sentence;
    a.title = doc.id + ", paragraph " + h.paragraph + ", sentence " + h.sentence;
    where.appendChild(a);
    tr.appendChild(where);
    tr.appendChild(el("td", "aid-conc-speaker", h.speaker));
    var left = el("td", "aid-conc-left");
    var inner = el("span", null, h.left);
    inner.setAttribute("dir", "ltr");  // the cell is right-to-left only so that it clips the far end
    left.appendChild(inner);
    tr.appendChild(left);
    var kw = el("td", "aid-conc-kw");
    kw.appendChild(el("mark", null, h.match));
    tr.appendChild(kw);
    tr.appendChild(el("td", "aid-conc-right", h.right));
    return tr;
  }

  function fillTable(tbody, doc, list, n) {
    while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
    list.slice(0, n).forEach(function (h) { tbody.appendChild(hitRow(doc, h)); });
  }

  function docSection(doc, list) {
    var section = el("section", "aid-conc-doc");
    section.id = "hits-" + doc.id;
    var h = el("h3", null, doc.id + " \u00b7 " + doc.title + " \u00b7 " + list.length + (list.length === 1 ? " hit" : " hits"));
    section.appendChild(h);
    if (doc.title_en) section.appendChild(el("p", "aid-conc-title-en", doc.title_en));
    var table = el("table", "aid-conc-table");
    var cols = el("colgroup");
    var kwWidth = Math.min(Math.max.apply(null, list.map(function (x) { return x.match.length; })), 14) * 1.15 + 1;
    ["3.5em", "5em", "auto", kwWidth + "em", "auto"].forEach(function (w) {
      var col = el("col");
      col.style.width = w;
      cols.appendChild(col);
    });
    table.appendChild(cols);
    var tbody = el("tbody");
    table.appendChild(tbody);
    fillTable(tbody, doc, list, SHOWN);
    section.appendChild(table);
    if (list.length > SHOWN) {
      var more = el("button", "aid-conc-more", "Show all " + list.length + " hits");
      more.type = "button";
      more.addEventListener("click", function () { fillTable(tbody, doc, list, list.length); more.remove(); });
      section.appendChild(more);
    }
    return section;
  }

  function render() {
    var term = input.value.normalize("NFKC").trim();
    while (results.firstChild) results.removeChild(results.firstChild);
    try {
      var url = new URL(window.location.href);
      if (term) url.searchParams.set("term", term); else url.searchParams.delete("term");
      window.history.replaceState(null, "", url.toString());
    } catch (e) { /* some browsers refuse to change a file: URL; the search still works */ }
    if (!term) {
      summary.textContent = data.rows.length.toLocaleString("en") + " sentences in " + data.docs.length +
        " texts. Type a term to search them.";
      return;
    }
    var hits = search(term);
    var total = hits.reduce(function (s, l) { return s + l.length; }, 0);
    var found = hits.filter(function (l) { return l.length; }).length;
    summary.textContent = total.toLocaleString("en") + (total === 1 ? " hit" : " hits") + " of \u201c" + term +
      "\u201d in " + found + " of " + data.docs.length + " texts" + (total ? ":" : ".");
    if (!total) return;
    var counts = el("ul", "aid-conc-counts");
    data.docs.forEach(function (doc, i) {
      var li = el("li");
      if (hits[i].length) {
        var a = el("a", null, doc.id);
        a.href = "#hits-" + doc.id;
        li.appendChild(a);
      } else {
        li.appendChild(el("span", "aid-conc-none", doc.id));
      }
      li.appendChild(document.createTextNode(" " + hits[i].length));
      counts.appendChild(li);
    });
    results.appendChild(counts);
    data.docs.forEach(function (doc, i) { if (hits[i].length) results.appendChild(docSection(doc, hits[i])); });
  }

  var timer = null;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 150); });
  input.addEventListener("keydown", function (e) { if (e.key === "Enter") { clearTimeout(timer); render(); } });
  if (argumentOnly) argumentOnly.addEventListener("change", render);
  // not "q": Sphinx's search script runs a search on any page whose URL has ?q=
  var q = new URLSearchParams(window.location.search).get("term");
  if (q) input.value = q;
  render();
})();
