// The circular's draft page (templates/circulars/circular_draft.html): redraw the preview
// of the first page when the title or the text changes (after a pause), by posting the form
// with `preview` and showing the PNG it answers as a data: URL (the Content-Security-Policy
// allows images from our origin and data: only). A static file: no inline script.
(function () {
  var form = document.querySelector("form.xd-circular-draft");
  var image = document.getElementById("circular-preview-image");
  if (!form || !image || !window.fetch || !window.FileReader) { return; }
  var status = document.querySelector(".xd-circular-preview-status");
  var timer = null;
  var serial = 0;
  function say(text) { if (status) { status.textContent = text; } }
  function refresh() {
    var mine = ++serial;
    var data = new FormData(form);
    data.append("preview", "1");
    say("正在生成预览…");
    fetch(window.location.href, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.blob();
      })
      .then(function (blob) {
        var reader = new FileReader();
        reader.onload = function () {
          if (mine !== serial) { return; }
          image.src = reader.result;
          image.hidden = false;
          say("预览已更新（第1页）");
        };
        reader.readAsDataURL(blob);
      })
      .catch(function () { if (mine === serial) { say("预览生成失败，请稍后再试"); } });
  }
  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(refresh, 800);
  }
  form.querySelectorAll("input[name=title], textarea[name=body]").forEach(function (field) {
    field.addEventListener("input", later);
  });
  var button = form.querySelector("button[name=preview]");
  if (button) {
    button.addEventListener("click", function (event) { event.preventDefault(); refresh(); });
  }
  refresh();
})();
