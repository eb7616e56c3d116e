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
  policyList.addEventListener("click", function (e) {
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
  var similarTool = document.getElementById("similar-tool");
  var similarList = document.getElementById("similar-list");
  var lastQuery = null;
  var similarSeq = 0;
  function renderSimilar(results) {
    similarList.replaceChildren();
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = "以往复函中没有相似段落";
      similarList.appendChild(none);
      return;
    }
    results.forEach(function (s) {
      var li = document.createElement("li");
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "insert-paragraph";
      btn.textContent = "插入";
      btn.addEventListener("click", function () {
        restoreCursor();
        insertParagraphAfterCurrent(s.text);
      });
      var head = document.createElement("span");
      head.className = "muted";
      head.textContent = s.doc_number + " · 相似度 " + Math.round(s.score * 100) + "%";
      var para = document.createElement("div");
      para.className = "para";
      para.textContent = s.text;
      li.append(btn, head, para);
      similarList.appendChild(li);
    });
  }
  var lookSimilar = debounce(function () {
    var b = currentLineBounds();
    var paragraph = body.value.slice(b[0], b[1]).trim().slice(0, 400);
    if (paragraph.length < 12 || paragraph === lastQuery) return;
    lastQuery = paragraph;
    var mine = ++similarSeq;  // answers may arrive out of order: show only the latest
    fetch(similarTool.dataset.url + "?q=" + encodeURIComponent(paragraph), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (mine !== similarSeq) return;
        renderSimilar(data.results);
        similarList.dataset.query = paragraph;
      })
      .catch(function () {});
  }, DELAY);
  ["input", "click", "keyup"].forEach(function (ev) { body.addEventListener(ev, lookSimilar); });
})();
