/* RSO Workbook page lifecycle (served by the `rso` Voilà template to every app page).
 * - pagehide: a beacon tells the server the page is gone, so its kernel is shut down at once;
 * - while the page is visible, a heartbeat tells the idle culler the page is still open;
 * - when the heartbeat finds the kernel gone, a notification banner says so plainly and
 *   offers to reload the page;
 * - a block marked as a focus target (`fields.focus_target`) can take keyboard focus;
 * - a focus request on a date picker (or a box) reaches the control inside it (see below).
 * The kernel id comes from the page's own config (Voilà's #jupyter-config-data): a page only
 * ever speaks for its own kernel. */
(function () {
  'use strict';

  /* "Go to" from an error summary calls a widget's focus(); ipywidgets answers by focusing the
   * view's root element. For a date picker (and a box) that root is a <div>, which cannot take
   * focus, so the request did nothing: the person was left on the summary. Here a focus request
   * on such a widget's root moves to the first usable control inside it (the date's <input>).
   * Only those roots are touched: any other element focuses as the browser always does. */
  var CONTROLS = 'input:not([disabled]):not([type="hidden"]), select:not([disabled]), ' +
    'textarea:not([disabled]), button:not([disabled]), [tabindex]:not([tabindex="-1"])';
  var divFocus = HTMLDivElement.prototype.focus;
  HTMLDivElement.prototype.focus = function (options) {
    if (!this.hasAttribute('tabindex') &&
        this.matches('.widget-datepicker, .widget-box')) {
      var inner = this.querySelector(CONTROLS);
      if (inner) {
        inner.focus(options);
        return;
      }
    }
    divFocus.call(this, options);
  };

  function config() {
    var el = document.getElementById('jupyter-config-data');
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function xsrf() {
    var m = document.cookie.match('\\b_xsrf=([^;]*)\\b');
    return m ? decodeURIComponent(m[1]) : '';
  }

  function start() {
    var cfg = config();
    if (!cfg || !cfg.kernelId) { return; }
    var base = (cfg.baseUrl || '/').replace(/\/?$/, '/');
    var api = base + 'rso/api/kernels/' + encodeURIComponent(cfg.kernelId);
    var notebook = decodeURIComponent(location.pathname.split('/').pop() || '');
    var every = 30;
    var savesDrafts = false;
    var timer = null;
    var gone = false;
    window.rsoPage = {kernelId: cfg.kernelId, beats: 0};

    function showStopped() {
      if (gone) { return; }
      gone = true;
      if (timer) { clearTimeout(timer); timer = null; }
      var banner = document.createElement('div');
      banner.className = 'rso-notification-banner';
      banner.setAttribute('role', 'alert');
      banner.setAttribute('aria-labelledby', 'rso-stopped-title');
      banner.setAttribute('tabindex', '-1');
      banner.innerHTML =
        '<div class="rso-notification-banner__header">' +
        '<h2 class="rso-notification-banner__title" id="rso-stopped-title">Important</h2></div>' +
        '<div class="rso-notification-banner__content">' +
        '<p class="rso-notification-banner__heading">This page has stopped working.</p>' +
        '<p></p><button type="button" class="rso-button">Reload the page</button></div>';
      banner.querySelector('p:not([class])').textContent = savesDrafts
        ? 'Your answers are saved as a draft. Reload the page to carry on.'
        : 'Anything you had not saved is lost. Reload the page to start again.';
      banner.querySelector('button').addEventListener('click', function () {
        location.reload();
      });
      var main = document.getElementById('rendered_cells');
      if (main) {
        main.style.display = '';
        main.insertBefore(banner, main.firstChild);
      } else {
        document.body.insertBefore(banner, document.body.firstChild);
      }
      banner.focus();
      window.scrollTo(0, 0);
    }

    function beat() {
      timer = null;
      if (gone || document.visibilityState !== 'visible') { return; }
      fetch(api + '/heartbeat', {method: 'POST', credentials: 'same-origin',
                                 headers: {'X-XSRFToken': xsrf()}})
        .then(function (r) {
          if (r.status === 404) { showStopped(); return; }
          window.rsoPage.beats += 1;
        })
        .catch(function () { /* the server may be restarting: try again next beat */ })
        .then(function () { schedule(every); });
    }

    function schedule(seconds) {
      if (timer) { clearTimeout(timer); }
      if (!gone && document.visibilityState === 'visible') {
        timer = setTimeout(beat, seconds * 1000);
      }
    }

    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'visible') { schedule(0); }
      else if (timer) { clearTimeout(timer); timer = null; }
    });

    window.addEventListener('pagehide', function () {
      if (gone) { return; }
      var data = new FormData();
      data.append('_xsrf', xsrf());
      navigator.sendBeacon(api + '/closed', data);
    });

    window.addEventListener('pageshow', function (event) {
      if (event.persisted) { schedule(0); }  // back from the page cache: is the kernel there?
    });

    // the page's settings; this also sets the _xsrf cookie that the POSTs above need
    // (a server without these routes answers 404: then the page does without them)
    fetch(api + '?notebook=' + encodeURIComponent(notebook), {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (info) {
        if (!info) { gone = true; return; }
        every = info.heartbeat_seconds || every;
        savesDrafts = !!info.saves_drafts;
        if (info.alive === false) { showStopped(); } else { schedule(every); }
      })
      .catch(function () { schedule(every); });
  }

  // A block the page moves keyboard focus to after an action (feedback, a new view: widgets
  // marked by `fields.focus_target`) can take focus, as a GOV.UK error summary does.
  function focusTargets() {
    var mark = function () {
      document.querySelectorAll('.rso-focus-target > .widget-html-content:not([tabindex])')
        .forEach(function (el) { el.setAttribute('tabindex', '-1'); });
    };
    mark();
    new MutationObserver(mark).observe(document.body, {childList: true, subtree: true});
  }

  function ready() {
    start();
    focusTargets();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', ready);
  } else {
    ready();
  }
})();
