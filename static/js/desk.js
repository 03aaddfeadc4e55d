/* The desk in the browser.
 *
 * - Countdowns tick from each row's instants (data-due, data-breached, data-warn), so a row
 *   turns red the moment its deadline passes; the live refresh then brings the server's truth.
 * - Keys: j/k move the selected row, Enter opens it, t takes the next incident, / searches
 *   (ignored while typing in a field).
 * - The refresh never wipes a selection: it waits while rows are ticked, and the row picked
 *   with j/k stays picked across refreshes.
 *
 * The words are the server's, translated (#desk-words), so both sides say the same thing.
 */
(function () {
  "use strict";

  var STATES = ["breached", "at_risk", "running", "none"];
  var wordsNode = document.getElementById("desk-words");
  var words = wordsNode ? JSON.parse(wordsNode.textContent) : null;
  var selectedId = null;

  function fill(pattern, values) {
    return pattern.replace(/%\((\w+)\)s/g, function (whole, name) {
      return String(values[name]);
    });
  }

  function span(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var key = days ? "days" : hours ? "hours" : "minutes";
    return fill(words[key], { days: days, hours: hours, minutes: minutes % 60 });
  }

  function instant(el, name) {
    var value = el.getAttribute("data-" + name);
    // Python writes microseconds; Date.parse reads milliseconds everywhere.
    return value ? Date.parse(value.replace(/(\.\d{3})\d+/, "$1")) : null;
  }

  function setState(el, state) {
    STATES.forEach(function (s) {
      el.classList.toggle(s, s === state);
    });
  }

  function tick() {
    if (!words) return;
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var due = instant(el, "due");
      var breached = instant(el, "breached");
      var warn = instant(el, "warn");
      var since = due !== null && due <= now ? due : breached;
      var state, text;
      if (since !== null) {
        state = "breached";
        text = fill(words.breached, { span: span(now - since) });
      } else if (due === null) {
        return; // no running clock: nothing ticks
      } else if (warn !== null && warn <= now) {
        state = "at_risk";
        text = fill(words.at_risk, { span: span(due - now) });
      } else {
        state = "running";
        text = fill(words.running, { span: span(due - now) });
      }
      if (el.textContent !== text) el.textContent = text;
      setState(el, state);
      var row = el.closest("tr");
      if (row) setState(row, state);
    });
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#desk-rows tr[data-id]"));
  }

  function mark(row) {
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
  }

  function select(row) {
    rows().forEach(function (r) {
      r.classList.remove("selected");
      r.removeAttribute("aria-selected");
    });
    selectedId = row ? row.getAttribute("data-id") : null;
    if (row) {
      mark(row);
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.findIndex(function (r) {
      return r.getAttribute("data-id") === selectedId;
    });
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : at + step;
    select(all[Math.min(all.length - 1, Math.max(0, next))]);
  }

  function anyTicked() {
    return document.querySelector('input[name="incident"][form="desk-bulk"]:checked') !== null;
  }

  function typing(el) {
    if (!el || !el.tagName) return false;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].indexOf(el.tagName) >= 0;
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === "j") {
      move(1);
    } else if (e.key === "k") {
      move(-1);
    } else if (e.key === "Enter") {
      // Enter on a focused link or button is theirs; otherwise it opens the selected row.
      if (e.target.closest && e.target.closest("a, button")) return;
      var row = document.querySelector("#desk-rows tr.selected");
      if (!row) return;
      window.location.assign(row.getAttribute("data-href"));
    } else if (e.key === "t") {
      var take = document.getElementById("take-next");
      if (!take) return;
      submit(take);
    } else if (e.key === "/") {
      var search = document.getElementById("q");
      if (!search) return;
      search.focus();
      search.select();
    } else {
      return;
    }
    e.preventDefault();
  });

  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("#desk-rows tr[data-id]");
    if (row && !e.target.closest("a, input, button")) select(row);
  });

  // A filter chosen from a list applies at once (the Filter button is there for the search).
  var filters = document.getElementById("desk-filters");
  if (filters) {
    filters.addEventListener("change", function (e) {
      if (e.target.tagName === "SELECT") submit(filters);
    });
  }

  // The live refresh (htmx) asks before each poll, and a reply that arrives after a row was
  // ticked is dropped: the next poll after the bulk change brings it again. (An event
  // listener, not a trigger filter: htmx would eval a filter, which the CSP forbids.)
  window.deskMayRefresh = function () {
    return !anyTicked();
  };
  document.addEventListener("htmx:confirm", function (e) {
    if (e.target && e.target.id === "desk-live" && !window.deskMayRefresh()) e.preventDefault();
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail && e.detail.target;
    if (target && target.id === "desk-live" && anyTicked()) e.detail.shouldSwap = false;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (selectedId) {
      var row = document.querySelector('#desk-rows tr[data-id="' + selectedId + '"]');
      if (row) mark(row);
      else selectedId = null;
    }
    tick();
  });

  tick();
  window.setInterval(tick, 1000);
})();
