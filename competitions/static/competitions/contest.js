// The countdown to the opening of a competition, and the sitting page: autosave
// of each answer (sent again until it is saved, marking the first save after a lost
// connection), the server's deadline counted down, and a confirmation before
// submitting. Both pages work without this script. It carries no question data:
// the sitting page holds the questions, and only once the sitting has started.
(function () {
  "use strict";

  function clock(seconds) {
    var d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600);
    var m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var text = (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    return d ? d + " · " + text : text;
  }

  // Count down to ``data-seconds`` from now, calling ``done`` at zero.
  function countDown(element, render, done) {
    var end = Date.now() + parseInt(element.dataset.seconds, 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      render(left);
      if (left === 0) { done(); return; }
      setTimeout(tick, 1000);
    };
    tick();
  }

  var countdown = document.querySelector(".countdown[data-seconds]");
  if (countdown) {
    var value = countdown.querySelector(".countdown__value");
    countDown(countdown, function (left) { value.textContent = clock(left); }, function () {
      // A little after the opening, so that the server's clock has passed it too.
      setTimeout(function () { window.location.reload(); }, 1500);
    });
  }

  var form = document.querySelector(".sitting-form");
  if (!form) return;
  var saveUrl = form.dataset.saveUrl;
  var receivedUrl = form.dataset.receivedUrl;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var connection = document.querySelector(".connection");
  var pending = {};
  var queue = window.SalaSaveQueue();
  var lost = false;
  var finished = false;

  function showConnection(text) {
    if (!connection) return;
    connection.textContent = text;
    connection.hidden = !text;
  }

  function finish() {
    if (finished) return;
    finished = true;
    window.location.assign(receivedUrl);
  }

  function save(fieldset) {
    return queue.run(fieldset.dataset.question, function () { return send(fieldset); });
  }

  function send(fieldset) {
    var question = fieldset.dataset.question;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("question", question);
    if (lost) data.append("reconnected", "1");
    fieldset.querySelectorAll("input, select").forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data.append(el.name, el.value);
    });
    var status = fieldset.querySelector(".save-status");
    pending[question] = fieldset;
    return fetch(saveUrl, {method: "POST", body: data, headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (res) {
        if (res.ok) {
          delete pending[question];
          status.textContent = form.dataset.savedText;
          if (lost) { lost = false; showConnection(connection && connection.dataset.online); }
          return;
        }
        delete pending[question];
        status.textContent = res.body.error || "";
        if (res.body.code === "time_up" || res.body.code === "submitted") finish();
      })
      .catch(function () {
        lost = true;
        status.textContent = form.dataset.errorText;
        showConnection(connection && connection.dataset.offline);
      });
  }

  function retryPending() {
    Object.keys(pending).forEach(function (question) { save(pending[question]); });
  }

  window.SalaSaveOnChange(form, save);
  // Confirms where a button asks to, and waits for the saves in flight.
  window.SalaSubmitAfterSaves(form, queue);
  window.addEventListener("online", retryPending);
  setInterval(function () { if (lost) retryPending(); }, 5000);

  var timer = document.querySelector(".timer[data-seconds]");
  if (timer) {
    var timerValue = timer.querySelector(".timer__value");
    countDown(timer, function (left) {
      timerValue.textContent = left === 0 ? timer.dataset.expired : clock(left);
    }, function () {
      // The server closes the sitting at the deadline; the receipt page shows it.
      setTimeout(finish, 1500);
    });
  }
})();
