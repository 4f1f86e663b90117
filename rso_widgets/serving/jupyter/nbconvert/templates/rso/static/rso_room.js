/* The room page (serving/room/): optional enhancements only; every page works without this.
   - focus moves to the error summary when a page shows one (GOV.UK pattern);
   - the scoring form is kept as a draft a moment after each change: a fetch POST of the form's
     fields to its data-rso-autosave address, with the _xsrf field the form already holds. */
(function () {
  'use strict';
  var summary = document.querySelector('[data-rso-error-summary]');
  if (summary) { summary.focus(); }

  var form = document.querySelector('form[data-rso-autosave]');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) { return; }
  var status = form.querySelector('[data-rso-draft-status]');
  var timer = null;
  var busy = false;
  var again = false;
  var DELAY = 1500;

  function say(text) { if (status) { status.textContent = text; } }

  function save() {
    timer = null;
    if (busy) { again = true; return; }
    busy = true;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute('data-rso-autosave'), {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'}
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data && data.saved) { say('Draft saved at ' + data.saved + ' UTC.'); }
      else { say('Your draft could not be saved just now: it is kept when you select Continue.'); }
    }).catch(function () {
      say('Your draft could not be saved just now: it is kept when you select Continue.');
    }).then(function () {
      busy = false;
      if (again) { again = false; schedule(); }
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  form.addEventListener('submit', function () { if (timer) { clearTimeout(timer); timer = null; } });
})();
