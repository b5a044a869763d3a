// The import's progress (templates imports/batch.html): ask the batch's progress.json every
// second, move the <progress> bar, and reload the page once the check or commit is over.
// A static file, not an inline script: the Content-Security-Policy allows our own files only.
(function () {
  var box = document.querySelector(".xd-import-progress[data-progress-url]");
  if (!box) { return; }
  var bar = box.querySelector("progress");
  var text = box.querySelector(".xd-import-progress-text");
  var url = box.getAttribute("data-progress-url");
  var running = { uploaded: true, committing: true };
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (!running[state.status]) { window.location.reload(); return; }
        if (state.total) {
          bar.max = state.total;
          bar.value = Math.min(state.done, state.total);
          text.textContent = state.done + " / " + state.total;
        } else if (state.done) {
          text.textContent = String(state.done);
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
