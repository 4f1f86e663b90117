/* The workshop's quick join form (quick_join.html; issue 12). The form is plain HTML, so a room
 * opening the page at once can type while the page's scripts and widgets load. As soon as the
 * widget join form (widgets/workshop_join.py: inputs .rso-join-code-input / .rso-join-name-input,
 * button .rso-join-button) has rendered, what was typed is handed to it as if typed there, the
 * quick form goes and the app shows, with the focus in the same field: one form on the page at
 * any time. "Join the workshop" pressed before that: the form says it is joining, and the
 * widget's button is pressed at the hand-over; the kernel checks the code and the name and shows
 * any problem beside its field, as always. Inlined in the page's head (index.html.j2), it wires
 * everything before the form is parsed, so no early press is lost, and does not wait for
 * DOMContentLoaded, which waits for Voilà's large script at the end of the body.
 * window.rsoQuick records when the widgets became ready, when the person asked to join and when
 * the form was handed over (milliseconds since navigation; benchmarks read them). */
(function () {
  'use strict';

  var state = {widgetsReadyAt: null, submittedAt: null, handedAt: null};
  window.rsoQuick = state;

  function widgetForm() {
    var code = document.querySelector('.rso-join-code-input input');
    var name = document.querySelector('.rso-join-name-input input');
    var button = document.querySelector('button.rso-join-button');
    return code && name && button ? {code: code, name: name, button: button} : null;
  }

  function type(input, value) {
    input.value = value;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    input.dispatchEvent(new Event('change', {bubbles: true}));
  }

  function skipTo(id) {
    var skip = document.querySelector('.rso-skip-link');
    if (skip) { skip.setAttribute('href', '#' + id); }
  }

  function handOver() {
    var quick = document.getElementById('rso-quick');
    var form = document.getElementById('rso-quick-form');
    var target = widgetForm();
    if (!quick || !form || !target) { return false; }
    var active = document.activeElement;
    var focus = active === form.elements.code ? target.code
      : active === form.elements.name ? target.name : null;
    var caret = focus ? [active.selectionStart, active.selectionEnd] : null;
    type(target.code, form.elements.code.value);
    type(target.name, form.elements.name.value);
    state.handedAt = performance.now();
    keepStopped(quick);
    quick.parentNode.removeChild(quick);
    document.body.classList.remove('rso-quick-active');
    window.dispatchEvent(new Event('resize'));  // the shell takes the form's place
    skipTo('rendered_cells');
    if (state.submittedAt !== null) {
      target.button.click();
      var main = document.getElementById('rendered_cells');
      if (main) { main.focus({preventScroll: true}); }
    } else if (focus) {
      focus.focus();
      try { focus.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text box */ }
    }
    return true;
  }

  // Join pressed (the button or Enter in a box) before the hand-over is queued; the form has
  // no submit button, and a submit is stopped anyway: it never leaves the page
  function requestJoin() {
    if (state.submittedAt !== null) { return; }
    state.submittedAt = performance.now();
    if (state.widgetsReadyAt === null) {
      var button = document.getElementById('rso-quick-join');
      var status = document.getElementById('rso-quick-status');
      if (button) { button.setAttribute('aria-disabled', 'true'); }
      if (status) {
        status.textContent = 'Joining the workshop: the page is still loading, which takes a ' +
          'little longer when the whole room joins at once. Please wait.';
      }
    }
  }

  function inQuickForm(el) {
    return !!(el && el.closest && el.closest('#rso-quick-form'));
  }

  document.addEventListener('click', function (event) {
    if (event.target && event.target.id === 'rso-quick-join') { requestJoin(); }
  }, true);
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Enter' && inQuickForm(event.target) && event.target.tagName === 'INPUT') {
      event.preventDefault();
      requestJoin();
    }
  }, true);
  document.addEventListener('submit', function (event) {
    if (inQuickForm(event.target)) {
      event.preventDefault();
      requestJoin();
    }
  }, true);

  // rso.js's "This page has stopped working" banner, shown on the form while the cells were
  // hidden, moves to the top of the cells when the form goes
  function keepStopped(quick) {
    var banner = quick.querySelector('.rso-notification-banner');
    var main = document.getElementById('rendered_cells');
    if (banner && main) { main.insertBefore(banner, main.firstChild); }
  }

  // The app could not start (its friendly message, apps/startup.py): the quick form goes
  // so that message shows; it must never stay behind a form that can no longer join.
  function giveWay() {
    var quick = document.getElementById('rso-quick');
    if (quick) { keepStopped(quick); quick.parentNode.removeChild(quick); }
    document.body.classList.remove('rso-quick-active');
    window.dispatchEvent(new Event('resize'));
    skipTo('rendered_cells');
  }

  var poll = setInterval(function () {
    if (state.widgetsReadyAt === null && widgetForm()) {
      state.widgetsReadyAt = performance.now();
      clearInterval(poll);
      handOver();
    } else if (document.querySelector('.rso-could-not-start')) {
      clearInterval(poll);
      giveWay();
    }
  }, 100);
})();
