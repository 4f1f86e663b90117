/* The slow page message (slow_page.html). Inlined in the page right after that markup, so it
 * runs as soon as the top of the page arrives, whether or not Voilà's scripts (or rso.js) ever
 * do. Counting from when the person asked for the page (performance.now()): after the first
 * threshold the live region gets the "please wait" words, after the second the "reload the
 * page" words and the Reload button shows. It checks whether the page has drawn before each
 * change and every POLL_MS: once it has (a widget, the app's could-not-start message, Voilà's
 * error output, the page-stopped banner of rso.js, where the person can see it) the message
 * goes and the watch ends for good. The region's text is set once per stage, so a screen
 * reader hears each message once; focus is never moved. window.rsoSlowPage records when this
 * script started, when each stage showed and when the page drew (ms since navigation; tests
 * read them). */
(function () {
  'use strict';

  var POLL_MS = 300;
  var DRAWN = '.jupyter-widgets, .rso-could-not-start, .rso-notification-banner, ' +
    '[data-mime-type="application/vnd.jupyter.stderr"]';
  var box = document.getElementById('rso-slow');
  if (!box) { return; }
  var region = document.getElementById('rso-slow-message');
  var button = document.getElementById('rso-slow-reload');
  var seconds = [Number(box.getAttribute('data-first-seconds')),
                 Number(box.getAttribute('data-second-seconds'))];
  var override = window.rsoSlowPageSeconds;  // tests: [first, second], set before the page loads
  if (Array.isArray(override) && override.length === 2) { seconds = override.map(Number); }
  var state = {firstSeconds: seconds[0], secondSeconds: seconds[1], stage: 0,
               startedAt: performance.now(), firstAt: null, secondAt: null, drawnAt: null,
               watching: true};
  window.rsoSlowPage = state;

  // drawn: one of those is on the page where the person can see it (not in the cells still
  // hidden behind the quick join form, nor before Voilà shows the cells)
  function drawn() {
    var found = document.querySelectorAll(DRAWN);
    for (var i = 0; i < found.length; i++) {
      if (found[i].getClientRects().length &&
          window.getComputedStyle(found[i]).visibility !== 'hidden') { return true; }
    }
    return false;
  }

  function say(templateId) {
    var words = document.getElementById(templateId);
    if (!words) { return; }
    region.textContent = '';
    region.appendChild(words.content.cloneNode(true));
  }

  function finish() {
    state.watching = false;
    window.clearInterval(poll);
    if (state.stage > 0) {
      region.textContent = '';
      button.hidden = true;
      box.classList.remove('rso-slow--shown');
    }
  }

  function check() {
    if (!state.watching) { return; }
    if (drawn()) {
      state.drawnAt = performance.now();
      finish();
      return;
    }
    var elapsed = performance.now() / 1000;
    if (state.stage < 2 && elapsed >= seconds[1]) {
      state.stage = 2;
      state.secondAt = performance.now();
      box.classList.add('rso-slow--shown');
      say('rso-slow-reload-advice');
      button.hidden = false;
    } else if (state.stage < 1 && elapsed >= seconds[0]) {
      state.stage = 1;
      state.firstAt = performance.now();
      box.classList.add('rso-slow--shown');
      say('rso-slow-wait');
    }
  }

  button.addEventListener('click', function () { window.location.reload(); });
  var poll = window.setInterval(check, POLL_MS);
  check();
})();
