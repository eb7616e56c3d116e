/* The clerk's editor: live PDF preview, citations from the policy library, similar paragraphs.
   Plain JS, no framework; without it the page is an ordinary form. Text from the server is
   always set with textContent, never as HTML. */
(function () {
  "use strict";
  var body = document.getElementById("id_body");
  if (!body) return;
  var DELAY = 800;

  function debounce(fn, ms) {
    var t = null;
    return function () {
      clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  function answerClass() {
    var checked = document.querySelector("input[name=answer_class]:checked");
    return checked ? checked.value : "";
  }

  // --- live preview: POST the unsaved text into the iframe --------------------------------
  var previewForm = document.getElementById("preview-form");
  if (previewForm) {
    var refresh = debounce(function () {
      previewForm.elements.body.value = body.value;
      previewForm.elements.answer_class.value = answerClass();
      previewForm.submit();
    }, DELAY);
    body.addEventListener("input", refresh);
    // A PDF viewer that loads in the frame may take the keyboard focus: give it back to the
    // text, where the clerk was typing, so no keystroke lands in the preview.
    var frame = document.getElementById("preview-frame");
    var typing = null;
    body.addEventListener("focus", function () { typing = true; });
    body.addEventListener("blur", function () {
      // Leaving for another control of this page is deliberate; losing the focus to the frame
      // (activeElement becomes the iframe only after blur) is checked when the frame loads.
      setTimeout(function () { typing = document.activeElement === frame ? typing : false; }, 0);
    });
    frame.addEventListener("load", function () {
      if (typing && document.activeElement !== body) {
        var start = body.selectionStart, end = body.selectionEnd;
        body.focus({ preventScroll: true });
        body.setSelectionRange(start, end);
      }
    });
    document.querySelectorAll("input[name=answer_class]").forEach(function (r) {
      r.addEventListener("change", refresh);
    });
  }

  // --- inserting text at the cursor ---------------------------------------------------------
  function insertAtCursor(text) {
    var start = body.selectionStart, end = body.selectionEnd;
    body.setRangeText(text, start, end, "end");
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function currentLineBounds() {
    var v = body.value, pos = body.selectionStart;
    var start = v.lastIndexOf("\n", pos - 1) + 1;
    var end = v.indexOf("\n", pos);
    if (end === -1) end = v.length;
    return [start, end];
  }

  function insertParagraphAfterCurrent(text) {
    var end = currentLineBounds()[1];
    body.setRangeText(body.value.trim() ? "\n" + text : text, end, end, "end");
    body.focus();
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // --- the policy library ---------------------------------------------------------------------
  var policyTool = document.getElementById("policy-tool");
  var policyList = document.getElementById("policy-list");
  var cursorBeforeClick = null;
  // Remember where the cursor was: clicking a button moves the focus away from the textarea.
  // Kept current on every edit and cursor move, not only on blur: a preview frame that loads
  // may take the focus first, and the blur would then record an older position.
  ["blur", "input", "keyup", "mouseup", "select"].forEach(function (name) {
    body.addEventListener(name, function () {
      if (document.activeElement === body || name === "blur") {
        cursorBeforeClick = [body.selectionStart, body.selectionEnd];
      }
    });
  });
  function restoreCursor() {
    if (cursorBeforeClick) body.setSelectionRange(cursorBeforeClick[0], cursorBeforeClick[1]);
  }
  policyTool.addEventListener("click", function (e) {  // the matching list and the library
    var btn = e.target.closest("button.cite");
    if (!btn) return;
    restoreCursor();
    insertAtCursor(btn.dataset.citation);
  });
  function renderPolicies(results) {
    policyList.replaceChildren();
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.textContent = "没有找到符合条件的政策文件";
      policyList.appendChild(empty);
      return;
    }
    results.forEach(function (p) {
      var li = document.createElement("li");
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "cite";
      btn.dataset.citation = p.citation;
      btn.textContent = "插入";
      var cite = document.createElement("span");
      cite.className = "citation";
      cite.textContent = p.citation;
      var meta = document.createElement("span");
      meta.className = "muted";
      meta.textContent = " " + p.issuer + (p.issued_date ? " · " + p.issued_date : "");
      li.append(btn, cite, meta);
      policyList.appendChild(li);
    });
  }
  var policyQ = document.getElementById("policy-q");
  var policySeq = 0;
  policyQ.addEventListener("input", debounce(function () {
    var mine = ++policySeq;
    fetch(policyTool.dataset.url + "?q=" + encodeURIComponent(policyQ.value), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (mine === policySeq) renderPolicies(data.results); })
      .catch(function () {});
  }, 300));

  // --- similar paragraphs from issued letters ---------------------------------------------------
  // Each suggestion is a whole paragraph (整段) or whole sentences (整句), shown once however many
  // letters used it, with those letters (文号, bureau, date, class, item) under it.
  var similarTool = document.getElementById("similar-tool");
  var similarList = document.getElementById("similar-list");
  var similarHint = document.getElementById("similar-hint");
  var lastQuery = null;
  var similarSeq = 0;
  function chineseDate(iso) {  // 2023-05-08 -> 2023年5月8日
    var p = iso.split("-");
    return p.length === 3 ? p[0] + "年" + Number(p[1]) + "月" + Number(p[2]) + "日" : iso;
  }
  function letterLine(r) {
    var li = document.createElement("li");
    li.textContent = r.doc_number + " · " + r.bureau + " · " + chineseDate(r.issued_date) +
      (r.answer_class ? " · " + r.answer_class + "类" : "") + " · 《" + r.item + "》";
    return li;
  }
  function renderSimilar(results, byItem) {
    similarList.replaceChildren();
    similarHint.textContent = byItem
      ? "光标所在段落尚未成文：按本事项（标题和内容）推荐以往复函的段落。"
      : "与光标所在段落最相似的以往复函段落。";
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = byItem ? "没有答复过相似事项的复函" : "以往复函中没有相似段落";
      similarList.appendChild(none);
      return;
    }
    results.forEach(function (s) {
      var li = document.createElement("li");
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "insert-paragraph";
      btn.textContent = "插入";
      btn.setAttribute("aria-label", "插入此" + (s.kind === "paragraph" ? "段落" : "整句"));
      btn.addEventListener("click", function () {
        restoreCursor();
        insertParagraphAfterCurrent(s.text);
      });
      var kind = document.createElement("span");
      kind.className = "badge " + (s.kind === "paragraph" ? "kind-paragraph" : "kind-sentences");
      kind.textContent = s.kind_label;
      var head = document.createElement("span");
      head.className = "muted";
      head.textContent = " " + s.letter_count + " 封复函使用" +
        (s.variant_count > 1 ? "（含 " + s.variant_count + " 种相近表述）" : "") +
        (byItem ? "" : " · 相似度 " + Math.round(s.score * 100) + "%");
      var para = document.createElement("div");
      para.className = "para";
      para.textContent = s.text;
      var letters = document.createElement("details");
      letters.className = "letters";
      var summary = document.createElement("summary");
      var first = s.letters[0];
      summary.textContent = first.doc_number + " · " + first.bureau + " · " + chineseDate(first.issued_date) +
        (s.letters.length > 1 ? " 等" : "");
      var ul = document.createElement("ul");
      s.letters.forEach(function (r) { ul.appendChild(letterLine(r)); });
      if (s.letter_count > s.letters.length) {
        var more = document.createElement("li");
        more.className = "muted";
        more.textContent = "另有 " + (s.letter_count - s.letters.length) + " 封";
        ul.appendChild(more);
      }
      letters.append(summary, ul);
      li.append(btn, kind, head, para, letters);
      similarList.appendChild(li);
    });
  }
  var lookSimilar = debounce(function () {
    var b = currentLineBounds();
    var paragraph = body.value.slice(b[0], b[1]).trim().slice(0, 400);
    if (paragraph.length < 12) paragraph = "";  // not a paragraph yet: suggest by the item
    if (paragraph === lastQuery) return;
    lastQuery = paragraph;
    var mine = ++similarSeq;  // answers may arrive out of order: show only the latest
    fetch(similarTool.dataset.url + "?q=" + encodeURIComponent(paragraph), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (mine !== similarSeq) return;
        renderSimilar(data.results, paragraph === "");
        similarList.dataset.query = paragraph;
      })
      .catch(function () {});
  }, DELAY);
  ["input", "click", "keyup"].forEach(function (ev) { body.addEventListener(ev, lookSimilar); });
})();
