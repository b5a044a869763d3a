// Every page (templates/core/_header.html): the navigation's menu button on phones, and the
// searchable multi-pickers (core.widgets.CadrePicker). A static file: the
// Content-Security-Policy allows scripts from our own origin only, never inline.
(function () {
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  // Once per element: Viewflow's pages change by Turbo (a new <body>, no new load event,
  // this script not run again), so the set-up below runs on every Turbo render as well as
  // on loading, and skips what it has already set up.
  function fresh(el) {
    if (el.hasAttribute("data-xd-ready")) { return false; }
    el.setAttribute("data-xd-ready", "");
    return true;
  }

  // The menu button: shows and hides the navigation on a narrow screen. Listened to on the
  // document, so it works in whatever <body> Turbo put in.
  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest ? e.target.closest(".xd-top .xd-menu-button") : null;
    if (!button) { return; }
    var open = button.closest(".xd-top").classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // Escape closes the open menu and gives the focus back to its button.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") { return; }
    var top = document.querySelector(".xd-top.open");
    if (!top) { return; }
    top.classList.remove("open");
    var button = top.querySelector(".xd-menu-button");
    if (button) { button.setAttribute("aria-expanded", "false"); button.focus(); }
  });

  // Radios and checkboxes: Enter chooses the focused one (Space already does), as people
  // expect; Enter on one already chosen sends its form, as Enter in a text box does —
  // it never unticks what Space ticked (Space still does).
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Enter" && t && t.tagName === "INPUT" && (t.type === "radio" || t.type === "checkbox")) {
      e.preventDefault();
      if (!t.checked) {
        t.checked = true;
        t.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (t.form) {
        t.form.requestSubmit();
      }
    }
  });

  // An error summary's link (templates/workflow/_error_summary.html): focus the field
  // itself — of a group of radios or checkboxes the checked one, else the first — with its
  // label and error in view.
  document.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest(".xd-error-summary a[href^='#']") : null;
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    var fields = "input:not([type=hidden]):not([type=search]), select, textarea";
    var field = target.matches(fields) ? target : target.querySelector(
      "input:checked:not([type=hidden])") || target.querySelector(fields);
    if (!field) { return; }
    e.preventDefault();
    (target.closest("p, fieldset, .xd-field") || target).scrollIntoView({ block: "center" });
    field.focus({ preventScroll: true });
  });

  // A field shown only for one answer (data-xd-show-when="action=request", or
  // "action!=request"): its box hidden while another answer is chosen.
  function showWhen(form) {
    form.querySelectorAll("[data-xd-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-xd-show-when");
      var negate = rule.indexOf("!=") > 0;
      var parts = rule.split(negate ? "!=" : "=");
      var chosen = form.querySelector("input[name='" + parts[0] + "']:checked");
      var match = chosen ? chosen.value === parts[1] : false;
      var box = el.closest(".xd-field") || el;
      box.hidden = negate ? match : !match;
    });
  }

  function setUp() {
    document.querySelectorAll("form").forEach(function (form) {
      if (!form.querySelector("[data-xd-show-when]")) { return; }
      showWhen(form);
      if (!form.hasAttribute("data-xd-show-when-set")) {
        form.setAttribute("data-xd-show-when-set", "");
        form.addEventListener("change", function () { showWhen(form); });
      }
    });
    // A form sent back with errors: its summary at the top of the page takes the focus, so
    // the person (and a screen reader) learns at once that it failed and why.
    var summary = document.getElementById("xd-error-summary");
    if (summary && fresh(summary)) { summary.focus(); }
    // A task's form (opened by 办理, or arrived at by 认领并继续): the focus starts at the
    // content, so the first Tab goes to the task and not through the header's links again.
    var main = document.getElementById("main");
    if (!summary && main && /\/execute\/$/.test(location.pathname) && fresh(main)
        && (!document.activeElement || document.activeElement === document.body)) {
      main.focus({ preventScroll: true });
    }

    // Material icons are ligatures: their names ("arrow_drop_down") are not words to read out.
    document.querySelectorAll(".material-icons:not([aria-hidden])").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
    });

    // Multi-pickers: a list of checkboxes (each click adds or takes off one, earlier
    // choices stay) with a search box that hides what does not match — never what is chosen.
    // Grouped lists (cadres by unit): a match on a group's heading shows the whole group,
    // and a heading hides with the last of its rows.
    document.querySelectorAll(".xd-picker[data-search-url]").forEach(function (picker) {
      if (fresh(picker)) { searchPicker(picker); }
    });
    document.querySelectorAll(".xd-picker:not([data-search-url])").forEach(function (picker) {
      if (!fresh(picker)) { return; }
      var search = picker.querySelector("input[type=search]");
      var chosen = picker.querySelector(".xd-picker-chosen");
      var boxes = picker.querySelectorAll("input[type=checkbox]");
      function text(s) { return (s || "").trim().toLowerCase(); }
      function labelOf(box) { var l = box.closest("label"); return l ? l.textContent.trim() : box.value; }
      function rowOf(box) { var l = box.closest("label"); return l && l.parentElement ? l.parentElement : box.parentNode; }
      // The group a row belongs to: its parent, when that starts with a heading (a label
      // without a checkbox, Django's rendering of an optgroup).
      function groupOf(row) {
        var group = row.parentElement;
        var head = group && group.firstElementChild;
        return head && head.tagName === "LABEL" && !head.querySelector("input") ? group : null;
      }
      function showChosen() {
        var names = [];
        boxes.forEach(function (box) { if (box.checked) { names.push(labelOf(box)); } });
        if (chosen) { chosen.textContent = names.length ? names.length + "：" + names.join("、") : ""; }
      }
      if (search) {
        search.hidden = false;
        search.addEventListener("input", function () {
          var q = text(search.value);
          var groups = [];
          boxes.forEach(function (box) {
            var row = rowOf(box);
            var group = groupOf(row);
            var groupHit = !!group && text(group.firstElementChild.textContent).indexOf(q) !== -1;
            row.hidden = !!q && !box.checked && !groupHit && text(labelOf(box)).indexOf(q) === -1;
            if (group && groups.indexOf(group) === -1) { groups.push(group); }
          });
          groups.forEach(function (group) {
            var rows = Array.prototype.slice.call(group.children, 1);
            group.hidden = rows.length > 0 && rows.every(function (row) { return row.hidden; });
          });
        });
        search.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
      }
      picker.addEventListener("change", showChosen);
      showChosen();
    });

    // A picker with too many to list (core.widgets.MultiPicker over its threshold): the page
    // holds the chosen only; what the user types is looked up (debounced) at the picker's
    // search URL, and the matches not yet on the page are offered as checkboxes below. A
    // match checked joins the chosen, so it stays whatever is searched next.
    function searchPicker(picker) {
      var search = picker.querySelector("input[type=search]");
      var options = picker.querySelector(".xd-picker-options > div") || picker.querySelector(".xd-picker-options");
      var results = picker.querySelector(".xd-picker-results");
      var status = picker.querySelector(".xd-picker-status");
      var chosen = picker.querySelector(".xd-picker-chosen");
      var url = picker.getAttribute("data-search-url");
      var name = picker.getAttribute("data-name");
      var timer = null;
      var asked = 0;
      function labelOf(box) { var l = box.closest("label"); return l ? l.textContent.trim() : box.value; }
      function showChosen() {
        var names = [];
        options.querySelectorAll("input[type=checkbox]").forEach(function (box) {
          if (box.checked) { names.push(labelOf(box)); }
        });
        chosen.textContent = names.length ? names.length + "：" + names.join("、") : "";
      }
      function onPage(id) {
        return Array.prototype.some.call(options.querySelectorAll("input[type=checkbox]"), function (box) {
          return box.value === String(id);
        });
      }
      function row(cadre) {
        var div = document.createElement("div");
        var label = document.createElement("label");
        var box = document.createElement("input");
        box.type = "checkbox";
        box.name = name;
        box.value = String(cadre.id);
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + cadre.name + "（" + cadre.unit + (cadre.position ? "·" + cadre.position : "") + "）"));
        div.appendChild(label);
        return div;
      }
      function show(data, q) {
        results.textContent = "";
        var shown = 0;
        (data.results || []).forEach(function (cadre) {
          if (!onPage(cadre.id)) { results.appendChild(row(cadre)); shown += 1; }
        });
        status.textContent = !q ? "" : !(data.results || []).length ? picker.getAttribute("data-none") : data.more ? picker.getAttribute("data-more") : "";
        return shown;
      }
      function lookUp() {
        var q = search.value.trim();
        var mine = ++asked;
        if (!q) { show({ results: [] }, q); return; }
        fetch(url + "&q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) { if (mine === asked) { show(data, q); } })
          .catch(function () { if (mine === asked) { show({ results: [] }, q); } });
      }
      search.hidden = false;
      search.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(lookUp, 250);
      });
      search.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); clearTimeout(timer); lookUp(); }
        if (e.key === "ArrowDown") {
          var first = results.querySelector("input[type=checkbox]");
          if (first) { e.preventDefault(); first.focus(); }
        }
      });
      picker.addEventListener("change", function (e) {
        var box = e.target;
        if (box && box.type === "checkbox" && box.checked && results.contains(box)) {
          options.appendChild(box.closest("div"));
          box.focus();
        }
        showChosen();
      });
      showChosen();
    }
  }

  ready(setUp);
  document.addEventListener("turbo:load", setUp);
  document.addEventListener("turbo:render", setUp);
})();
