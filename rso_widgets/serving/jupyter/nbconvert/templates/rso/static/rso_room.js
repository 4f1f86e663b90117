/* The room page (serving/room/): optional enhancements only; every page works without this.
   - focus moves to the error summary when a page shows one (GOV.UK pattern), else to the
     field the address names (an evidence row after "Add another note" or "Remove");
   - the scoring form is kept as a draft a moment after each change: a fetch POST of the form's
     fields to its data-rso-autosave address, with the _xsrf field the form already holds and
     the draft's revision (rso_draft), which each saved answer advances; a conflict (another
     window or device saved since) stops the autosave and shows the server's message at the
     top, focused (and in the form's status line) — the person's answers stay in the form;
   - while the page is visible, the workshop's state (room/status) is checked every 15 s or so
     (less often while nothing changes or the server does not answer; not at all while hidden);
     a released key or a closed workshop is said in the page's aria-live region. The task list
     also updates its state line and rows; the case page only shows a notice with a link, as
     the person may be typing. Without the script, the task list's "Check again" link does it. */
(function () {
  'use strict';
  var box = document.querySelector('[data-rso-status]');
  if (!box || !window.fetch || typeof document.hidden === 'undefined') { return; }
  var MIN = 15000, MAX = 60000, FAILED_MAX = 120000;  // ms
  var delay = MIN, timer = null, state = box.getAttribute('data-rso-state');
  var onCases = box.getAttribute('data-rso-page') === 'cases';
  var WORDS = {
    released: 'The trainer has released the key: submissions are closed.',
    closed: 'The trainer has closed the workshop: no more submissions.',
    open: 'The trainer has reopened the workshop for submissions.'
  };

  function notice(text, linkText, href) {
    box.className = 'rso-room-live rso-room-banner';
    box.textContent = '';
    var p = document.createElement('p');
    p.appendChild(document.createTextNode(text + ' '));
    var a = document.createElement('a');
    a.href = href;
    a.textContent = linkText;
    p.appendChild(a);
    box.appendChild(p);
  }

  function updateRows(rows) {
    (rows || []).forEach(function (r) {
      var tag = document.querySelector('[data-rso-tag="' + r.case_id + '"]');
      if (tag) {
        tag.textContent = r.status;
        tag.className = 'rso-room-tag rso-room-tag--' + r.status.toLowerCase().replace(/ /g, '-');
      }
      var link = document.querySelector('[data-rso-case="' + r.case_id + '"]');
      if (link) {
        if (!link.getAttribute('data-rso-case-url')) {
          link.setAttribute('data-rso-case-url', link.getAttribute('href'));
        }
        link.href = r.status === 'See feedback' ? link.getAttribute('data-rso-feedback-url')
          : link.getAttribute('data-rso-case-url');
      }
    });
  }

  function changed(data) {
    state = data.state;
    var words = WORDS[state] || '';
    if (onCases) {
      var line = document.querySelector('[data-rso-state-line]');
      if (line) { line.textContent = data.state_line; }
      updateRows(data.rows);
      var again = document.querySelector('[data-rso-check-again]');
      if (again && state === 'released') { again.hidden = true; }  // nothing left to wait for
      notice(words + (state === 'released' ? ' Open a case to see your feedback.' : ''),
        'Show the updated list', window.location.pathname);
    } else {
      notice(words + (state === 'open' ? '' : ' Your unsent answers stay as your draft.'),
        state === 'released' ? 'Open this case again to see your feedback'
          : 'Open this case again', box.getAttribute('data-rso-again'));
    }
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = document.hidden ? null : setTimeout(check, delay);
  }

  function check() {
    timer = null;
    if (document.hidden) { return; }
    fetch(box.getAttribute('data-rso-status'), {credentials: 'same-origin',
                                                 headers: {'Accept': 'application/json'}})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        if (data && data.state && data.state !== state) { changed(data); delay = MIN; }
        else { delay = Math.min(Math.round(delay * 1.25), MAX); }
      }).catch(function () {
        delay = Math.min(delay * 2, FAILED_MAX);
      }).then(schedule);
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      if (timer) { clearTimeout(timer); timer = null; }
    } else {
      delay = MIN;
      check();
    }
  });
  schedule();
})();
(function () {
  'use strict';
  var summary = document.querySelector('[data-rso-error-summary]');
  if (summary) { summary.focus(); }
  // after "Add another note" or "Remove" the page comes back at a row (#its-input): focus it
  var target = !summary && window.location.hash ?
    document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
  if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { target.focus(); }

  var form = document.querySelector('form[data-rso-autosave]');
  if (!form || !window.fetch || !window.URLSearchParams || !window.FormData) { return; }
  var status = form.querySelector('[data-rso-draft-status]');
  var revision = form.querySelector('[data-rso-revision]');
  var timer = null;
  var busy = false;
  var again = false;
  var stopped = false;  // a conflict: this page's answers are never saved over the other's
  var pending = null;  // a submit button pressed while an autosave was on its way
  var DELAY = 1500, HOLD = 5000;  // ms

  function say(text) { if (status) { status.textContent = text; } }

  function conflict(data) {
    stopped = true;
    if (timer) { clearTimeout(timer); timer = null; }
    say(data.message);
    var banner = document.querySelector('[data-rso-conflict]');
    if (banner) {
      banner.querySelector('[data-rso-conflict-message]').textContent = data.message;
      banner.hidden = false;
      // moved to, as an error summary: typing on would save nothing, so say so at once
      banner.focus();
    }
  }

  function save() {
    timer = null;
    if (stopped) { return; }
    if (busy) { again = true; return; }
    busy = true;
    var body = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute('data-rso-autosave'), {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'Content-Type': 'application/x-www-form-urlencoded'}
    }).then(function (r) { return r.json(); }).then(function (data) {
      if (data && data.conflict) { conflict(data); }
      else if (data && data.saved) {
        if (revision && data.revision) { revision.value = data.revision; }
        say('Draft saved at ' + data.saved + '.');  // UK time, as the server words it
      }
      else { say('Your draft could not be saved just now: it is kept when you select Continue.'); }
    }).catch(function () {
      say('Your draft could not be saved just now: it is kept when you select Continue.');
    }).then(function () {
      busy = false;
      if (pending) { again = false; resubmit(); }
      else if (again) { again = false; schedule(); }
    });
  }

  // a Continue, "Add another" or "Remove" held while an autosave was on its way: sent now, with
  // the revision that autosave made (not a conflict with itself), unless it found a conflict
  function resubmit() {
    var button = pending;
    pending = null;
    if (!button || stopped) { return; }
    if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
  }

  function schedule() {
    if (stopped) { return; }
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener('input', schedule);
  form.addEventListener('change', schedule);
  form.addEventListener('submit', function (event) {
    if (timer) { clearTimeout(timer); timer = null; }
    if (busy && !stopped) {  // wait for the autosave's answer and its new revision
      event.preventDefault();
      pending = event.submitter || form.querySelector('[data-rso-continue]');
      setTimeout(function () { busy = false; resubmit(); }, HOLD);  // never held for long
    }
  });
})();
