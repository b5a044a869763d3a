// The roll call's start form (templates/dispatch/rollcall_start.html): show the fields of
// the chosen mode only, warn at once of a cadre busy elsewhere, filter the units and count
// the seats. A static file, not an
// inline script: the Content-Security-Policy allows scripts from our own origin only.
(function () {
  var form = document.querySelector("form.xd-rollcall");
  if (!form) { return; }
  function text(s) { return (s || "").trim().toLowerCase(); }

  // The fields of the chosen mode only.
  var modes = form.querySelectorAll('input[name="mode"]');
  function showMode() {
    var chosen = form.querySelector('input[name="mode"]:checked');
    form.querySelectorAll("fieldset[data-mode]").forEach(function (box) {
      box.hidden = !chosen || box.getAttribute("data-mode") !== chosen.value;
    });
  }
  modes.forEach(function (radio) { radio.addEventListener("change", showMode); });
  showMode();

  // Cadres: a picker of checkboxes (core.widgets.MultiPicker; xundiao/site.js filters it
  // and names the cadres chosen). A clash: a chosen cadre already busy in another class at
  // the same time, shown at once (the server refuses it on sending all the same).
  var busyData = document.getElementById("xd-busy");
  var datesData = document.getElementById("xd-class-dates");
  var clash = form.querySelector("#xd-clash");
  var classSelect = form.querySelector("#id_training_class");
  var busy = busyData ? JSON.parse(busyData.textContent) : {};
  var dates = datesData ? JSON.parse(datesData.textContent) : {};
  function cadreName(box) { var l = box.closest("label"); return l ? l.textContent.trim() : box.value; }
  function checkClash() {
    if (!clash || !classSelect) { return; }
    var d = dates[classSelect.value];
    var found = [];
    if (d) {
      form.querySelectorAll('input[type=checkbox][name="cadres"]:checked').forEach(function (box) {
        (busy[box.value] || []).forEach(function (p) {
          if (String(p[3]) !== classSelect.value && p[0] <= d[1] && p[1] >= d[0]) {
            found.push(cadreName(box) + "（" + p[2] + "，" + (p[4] || p[0] + "—" + p[1]) + "）");
          }
        });
      });
    }
    clash.hidden = !found.length;
    clash.textContent = found.length ? clash.getAttribute("data-lead") + found.join("；") : "";
  }
  // A picker that searches (over 200 cadres on offer) lists only the chosen at first, and
  // the page carries their busy periods only: a cadre found and chosen later has theirs
  // asked of the server (/rollcalls/busy/), once.
  var busyUrl = form.getAttribute("data-busy-url");
  var listed = {};
  form.querySelectorAll('input[type=checkbox][name="cadres"]').forEach(function (box) { listed[box.value] = true; });
  function askBusy(box) {
    var id = box.value;
    if (!busyUrl || listed[id] || busy[id]) { return; }
    listed[id] = true;
    fetch(busyUrl + "?cadre=" + encodeURIComponent(id), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) { if (data[id]) { busy[id] = data[id]; checkClash(); } })
      .catch(function () { listed[id] = false; });  // asked again when chosen again
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "cadres" && e.target.checked) { askBusy(e.target); }
    if (e.target === classSelect || e.target.name === "cadres") { checkClash(); }
  });
  checkClash();

  // Seats: filter the units by name; the total.
  var table = form.querySelector("#xd-seat-table");
  var unitFilter = form.querySelector("#xd-unit-filter");
  var total = form.querySelector("#xd-seat-total");
  function sum() {
    var n = 0;
    table.querySelectorAll("input.xd-seats").forEach(function (input) {
      var v = parseInt(input.value, 10);
      if (v > 0) { n += v; }
    });
    total.textContent = n;
  }
  unitFilter.addEventListener("input", function () {
    var q = text(unitFilter.value);
    table.querySelectorAll("tbody tr[data-unit]").forEach(function (row) {
      var input = row.querySelector("input");
      row.hidden = !!q && text(row.getAttribute("data-unit")).indexOf(q) === -1 && !(input && input.value);
    });
  });
  unitFilter.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); } });
  table.addEventListener("input", sum);
  sum();
})();
