/* RSO Workbook page lifecycle (served by the `rso` Voilà template to every app page).
 * - pagehide: a beacon tells the server the page is gone, so its kernel is shut down at once;
 * - while the page is visible, a heartbeat tells the idle culler the page is still open;
 * - when the heartbeat finds the kernel gone, a notification banner says so plainly and
 *   offers to reload the page;
 * - a block marked as a focus target (`fields.focus_target`) can take keyboard focus;
 * - a focus request on a date picker (or a box) reaches the control inside it (see below);
 * - a focus request for a field whose view is still being drawn lands once it is (see below);
 * - widget messages leave in the order the person acted: a click never overtakes the value
 *   typed just before it (see below).
 * The kernel id comes from the page's own config (Voilà's #jupyter-config-data): a page only
 * ever speaks for its own kernel. */
(function () {
  'use strict';

  /* An error summary link calls a widget's focus(); ipywidgets answers by focusing the
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

  /* Typed changes leave before a click. ipywidgets keeps one state update of a widget in flight:
   * until the kernel has answered it, that widget's next changes wait in the page
   * (`_msg_buffer`), but a button's click (a custom message, `send`) leaves at once. So a click
   * made while the kernel was still busy with a field's previous change reached the kernel
   * before the field's last value: Save stored, Score scored, what was typed before, and the
   * late value then made a fresh result "changed". ipywidgets does not promise this order
   * (jupyter-widgets/ipywidgets#252, open; custom messages unthrottled since #1382/#1383).
   * Here, before any widget message leaves the page, the changes waiting on other widgets leave
   * first, as ipywidgets itself would send them when the kernel answers (and for a click, the
   * clicked widget's own too); the one websocket and the kernel's one shell queue keep that
   * order. The throttle is untouched while nothing else is sent. The class is patched once,
   * so every widget on the page is covered, the ones created later too. */
  function orderWidgetMessages(WidgetModel) {
    var proto = WidgetModel && WidgetModel.prototype;
    if (!proto || proto.rsoOrdered || typeof proto.send_sync_message !== 'function' ||
        typeof proto.send !== 'function' || typeof proto.sync !== 'function') { return; }
    proto.rsoOrdered = true;
    var waiting = new Set();  // models that had changes held back (some may have sent them since)
    var flushing = false;

    function flush(except) {
      if (flushing) { return; }
      flushing = true;
      try {
        waiting.forEach(function (model) {
          if (model === except) { return; }  // it is sending its own changes now
          waiting.delete(model);
          var state = model._msg_buffer;
          if (state === null || state === undefined || !model.comm) { return; }
          var callbacks = model._msg_buffer_callbacks;
          model._msg_buffer = null;
          model._msg_buffer_callbacks = null;
          // as ipywidgets' _handle_status does when the kernel answers
          model.rememberLastUpdateFor(model.send_sync_message(state, callbacks));
        });
      } finally {
        flushing = false;
      }
    }

    var sync = proto.sync;
    proto.sync = function () {
      var result = sync.apply(this, arguments);
      if (this._msg_buffer !== null && this._msg_buffer !== undefined) { waiting.add(this); }
      return result;
    };
    var sendSync = proto.send_sync_message;
    proto.send_sync_message = function () {
      flush(this);
      return sendSync.apply(this, arguments);
    };
    var send = proto.send;
    proto.send = function () {
      flush(null);
      return send.apply(this, arguments);
    };
  }

  /* A focus request that comes before its field is drawn is kept until it is. An error link to a
   * field in another section shows that section and focuses the field in one go; ipywidgets
   * hands a focus request only to the views that exist then, so when the field's view is drawn
   * later (its code still loading, a slow page) the request was lost. Here it is applied when a
   * view of the widget is put on the page, and tried again whenever the page changes, until
   * the focus is in one of the widget's views; it is dropped after KEEP_FOCUS_MS, at the next
   * focus request, or as soon as the person clicks or presses a key. The same request again
   * within KEEP_FOCUS_MS, the person doing nothing in between, is the kernel's repeat for a
   * page without this script (TaskListJourney.focus_once_drawn): ignored, so a focus already
   * placed is not moved twice. */
  var KEEP_FOCUS_MS = 10000;
  var keptFocus = null;
  var lastFocus = null;  // {model, at}: the last focus request since the person last acted
  ['pointerdown', 'keydown'].forEach(function (type) {
    document.addEventListener(type, function () { keptFocus = null; lastFocus = null; }, true);
  });

  function keepFocus(model) {
    var request = {model: model, drawn: drawn};
    keptFocus = request;
    var busy = false, again = false;
    var observer = new MutationObserver(attempt);  // tries again whenever the page changes
    var timer = window.setTimeout(stop, KEEP_FOCUS_MS);
    function stop() {
      observer.disconnect();
      window.clearTimeout(timer);
      if (keptFocus === request) { keptFocus = null; }
    }
    function attempt() {
      if (keptFocus !== request) { stop(); return; }
      if (busy) { again = true; return; }
      busy = true;
      var views = model.views ? Object.keys(model.views).map(function (k) {
        return model.views[k].catch(function () { return null; });
      }) : [];
      Promise.all(views).then(function (found) {
        busy = false;
        if (keptFocus !== request) { stop(); return; }
        var shown = found.filter(function (v) { return v && v.el && v.el.isConnected; });
        var inside = function () {
          return shown.some(function (v) { return v.el.contains(document.activeElement); });
        };
        shown.forEach(function (v) { if (!inside()) { v.handle_message({do: 'focus'}); } });
        if (shown.length && inside()) { stop(); return; }
        if (again) { again = false; attempt(); }
      });
    }
    // a view of the model just put on the page (keepFocusOnDraw): focus it now, in the same
    // task, not after the rest of the section has been drawn
    function drawn(view) {
      if (keptFocus !== request || !view.el) { return; }
      if (!view.el.contains(document.activeElement)) { view.handle_message({do: 'focus'}); }
      if (view.el.contains(document.activeElement)) { stop(); }
    }
    observer.observe(document.body, {subtree: true, childList: true});
    attempt();
  }

  function keepFocusOnDraw(DOMWidgetView) {
    var proto = DOMWidgetView && DOMWidgetView.prototype;
    if (!proto || proto.rsoKeepsFocus || typeof proto.processLuminoMessage !== 'function') {
      return;
    }
    proto.rsoKeepsFocus = true;
    // every view's element put on the page gets 'after-attach' here (it then says "displayed")
    var process = proto.processLuminoMessage;
    proto.processLuminoMessage = function (msg) {
      var result = process.apply(this, arguments);
      if (msg && msg.type === 'after-attach' && keptFocus && keptFocus.model === this.model) {
        keptFocus.drawn(this);
      }
      return result;
    };
  }

  function keepEarlyFocus(WidgetModel) {
    var proto = WidgetModel && WidgetModel.prototype;
    if (!proto || proto.rsoKeepsFocus || typeof proto.trigger !== 'function') { return; }
    proto.rsoKeepsFocus = true;
    // views hear a custom message through the model's trigger('msg:custom', content)
    var trigger = proto.trigger;
    proto.trigger = function (name, content) {
      if (name !== 'msg:custom' || !content || content.do !== 'focus') {
        return trigger.apply(this, arguments);
      }
      var now = Date.now();
      if (lastFocus && lastFocus.model === this && now - lastFocus.at < KEEP_FOCUS_MS) {
        return this;
      }
      lastFocus = {model: this, at: now};
      var result = trigger.apply(this, arguments);
      keepFocus(this);
      return result;
    };
  }

  // Voilà sets window.jupyterapp once its app has started, before its widgets show (they wait
  // for their models: 0.4 s later on a test page); its widget manager is app.widgetManager
  // (voila packages/voila/src/main.ts, packages/widgets_manager8/src/index.ts). The manager
  // hands out ipywidgets' own WidgetModel and DOMWidgetView.
  function whenVoilaStarts() {
    function found(app) {
      var manager = app && app.widgetManager;
      if (!manager || typeof manager.loadModelClass !== 'function') { return; }
      manager.loadModelClass('WidgetModel', '@jupyter-widgets/base', '2.0.0')
        .then(function (WidgetModel) {
          orderWidgetMessages(WidgetModel);
          keepEarlyFocus(WidgetModel);
          return manager.loadViewClass('DOMWidgetView', '@jupyter-widgets/base', '2.0.0');
        })
        .then(keepFocusOnDraw)
        .catch(function (e) {
          console.warn('RSO: widget messages and focus requests as ipywidgets has them', e);
        });
    }
    if (window.jupyterapp) { found(window.jupyterapp); return; }
    var app;
    Object.defineProperty(window, 'jupyterapp', {
      configurable: true,
      enumerable: true,
      get: function () { return app; },
      set: function (value) {
        app = value;
        Object.defineProperty(window, 'jupyterapp', {configurable: true, enumerable: true,
                                                     writable: true, value: value});
        found(value);
      }
    });
  }
  whenVoilaStarts();

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
      // the trainee page's quick join form still showing: the cells are hidden behind it, so
      // the banner goes at the top of the form (rso_quick.js moves it to the cells at hand-over)
      var quick = document.getElementById('rso-quick');
      var main = document.getElementById('rendered_cells');
      if (quick) {
        quick.insertBefore(banner, quick.firstChild);
        quick.scrollTop = 0;
      } else if (main) {
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
