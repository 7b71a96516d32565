// Autosave each answer as it changes, count down the server's deadline,
// and confirm before submitting. The form works without this script.
(function () {
  "use strict";
  var form = document.querySelector(".quiz-form");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var queue = window.SalaSaveQueue();

  function save(fieldset) {
    return queue.run(fieldset.dataset.question, function () { return send(fieldset); });
  }

  function send(fieldset) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("question", fieldset.dataset.question);
    fieldset.querySelectorAll("input, select").forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data.append(el.name, el.value);
    });
    var status = fieldset.querySelector(".save-status");
    return fetch(saveUrl, {method: "POST", body: data, headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        status.textContent = res.ok ? form.dataset.savedText : res.body.error;
        if (!res.ok && res.body && /deadline|Time/.test(res.body.error || "")) window.location.reload();
      })
      .catch(function () { status.textContent = form.dataset.errorText; });
  }

  window.SalaSaveOnChange(form, save);
  // Confirms where a button asks to, and waits for the saves in flight.
  window.SalaSubmitAfterSaves(form, queue);

  var timer = document.querySelector(".timer");
  if (timer) {
    var end = Date.now() + parseInt(timer.dataset.seconds, 10) * 1000;
    var value = timer.querySelector(".timer__value");
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      value.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      if (left === 0) {
        value.textContent = timer.dataset.expired;
        // The server has closed the attempt; reloading shows the result.
        setTimeout(function () { window.location.reload(); }, 1500);
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
})();
