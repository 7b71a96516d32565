// One queue of answer saves per question, shared by quizzes and competitions.
// A question's saves go one at a time, each reading the answer when it is sent,
// so the last answer given is the last one stored: two quick clicks on a
// multiple-choice question can no longer arrive out of order and leave the
// earlier state saved. `idle()` settles once nothing is in flight or waiting,
// so submitting can wait for the saves before it.
(function () {
  "use strict";
  window.SalaSaveQueue = function () {
    var inflight = {};
    var waiting = {};

    function run(key, send) {
      if (inflight[key]) {
        waiting[key] = send;
        return inflight[key];
      }
      inflight[key] = Promise.resolve()
        .then(send)
        .catch(function () {})
        .then(function () {
          delete inflight[key];
          var next = waiting[key];
          delete waiting[key];
          if (next) return run(key, next);
        });
      return inflight[key];
    }

    function idle() {
      var keys = Object.keys(inflight);
      if (!keys.length) return Promise.resolve();
      return Promise.all(keys.map(function (key) { return inflight[key]; })).then(idle);
    }

    return {run: run, idle: idle};
  };

  // Submit `form` only once its saves have settled (or after `patience` ms, so a
  // lost connection never blocks submitting: the submit carries every answer).
  // A button's `data-confirm` question is asked once, before waiting.
  window.SalaSubmitAfterSaves = function (form, queue, patience) {
    var ready = false;
    form.addEventListener("submit", function (event) {
      if (ready) return;
      var submitter = event.submitter;
      event.preventDefault();
      if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) return;
      var late = new Promise(function (resolve) { setTimeout(resolve, patience || 5000); });
      Promise.race([queue.idle(), late]).then(function () {
        // In a task of its own: browsers ignore a requestSubmit made in the task
        // whose submission was just cancelled.
        return new Promise(function (resolve) { setTimeout(resolve, 0); });
      }).then(function () {
        // requestSubmit fires "submit" again, at once; let that one through.
        ready = true;
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
        ready = false;
      });
    });
  };

  // Save a question's fieldset when an answer changes, and 600 ms after typing
  // stops in a text answer.
  window.SalaSaveOnChange = function (form, save) {
    var typing = {};
    form.addEventListener("change", function (event) {
      var fieldset = event.target.closest("fieldset[data-question]");
      if (fieldset) save(fieldset);
    });
    form.addEventListener("input", function (event) {
      var fieldset = event.target.closest("fieldset[data-question]");
      if (!fieldset || event.target.type !== "text") return;
      clearTimeout(typing[fieldset.dataset.question]);
      typing[fieldset.dataset.question] = setTimeout(function () { save(fieldset); }, 600);
    });
  };
})();
