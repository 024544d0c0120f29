/* Coproduce: the one script of every tool page (loaded at the end of templates/base.html).
   Progressive enhancement only: every page works without it.

   1. fetch() inside a launch carries the launch token as a header.
   2. The LMS iframe is asked to fit the page (lti.frameResize), on load and on every change of
      size, and confirmations are handed to the LMS's screen-reader alerts (lti.screenReaderAlert).
      Both are Canvas's window.postMessage API, documented in canvas-lms
      doc/api/lti_window_post_message.md ("lti.frameResize: tells Canvas to change the height of
      the iframe containing the tool"; "lti.screenReaderAlert: shows an alert for screen
      readers"). It is not part of LTI: a platform that does not listen (Moodle, Brightspace,
      Blackboard) simply ignores the messages, and a page opened outside a frame sends none.
   3. Tables become stacked cards on a phone: each cell gets its column's header as data-label
      (shown by coproduce.css under 40rem), and explicit ARIA table roles, because display:
      block on table parts removes their table semantics in some browsers. */
(function () {
  'use strict';

  // 1. -------------------------------------------------------------------------------------
  var meta = document.querySelector('meta[name="launch-token"]');
  if (meta && window.fetch) {
    var token = meta.content;
    var header = meta.getAttribute('data-header');
    var original = window.fetch;
    window.fetch = function (input, init) {
      // Only to the tool's own origin: the token never travels to another site.
      var target = new URL(typeof input === 'string' ? input : input.url, window.location.href);
      if (target.origin !== window.location.origin || !header) return original(input, init);
      init = init || {};
      var headers = new Headers(init.headers || {});
      if (!headers.has(header)) headers.set(header, token);
      init.headers = headers;
      return original(input, init);
    };
  }

  // 2. -------------------------------------------------------------------------------------
  var framed = window.parent && window.parent !== window;

  function tell(message) {
    // The target origin is '*' as Canvas's documentation shows: the tool cannot know the
    // origin of the LMS page that frames it (an institution's own host name), and the
    // messages carry nothing the framing page does not already show: a height, and the text
    // of a confirmation visible in the frame.
    if (framed) window.parent.postMessage(message, '*');
  }

  var sentHeight = 0;
  var pending = false;
  function sendHeight() {
    pending = false;
    // The document's own height (not the viewport's): a frame taller than its page shrinks.
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height > 0 && height !== sentHeight) {
      sentHeight = height;
      tell({ subject: 'lti.frameResize', height: height });
    }
  }
  function heightChanged() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(sendHeight);
  }

  var announced = [];
  function announce(element) {
    if (announced.indexOf(element) !== -1) return;
    var text = (element.textContent || '').replace(/\s+/g, ' ').trim();
    if (!text || element.hidden) return;
    announced.push(element);
    tell({ subject: 'lti.screenReaderAlert', body: text });
  }
  function announceWithin(node) {
    if (node.nodeType !== 1) return;
    if (node.matches('[role="status"]')) announce(node);
    var inner = node.querySelectorAll('[role="status"]');
    for (var i = 0; i < inner.length; i++) announce(inner[i]);
  }

  // 3. -------------------------------------------------------------------------------------
  function reflow(table) {
    var heads = table.querySelectorAll('thead tr:last-child th, thead tr:last-child td');
    if (!heads.length || table.classList.contains('no-reflow')) return;
    var labels = [];
    for (var h = 0; h < heads.length; h++) {
      var span = parseInt(heads[h].getAttribute('colspan') || '1', 10);
      for (var s = 0; s < span; s++) labels.push((heads[h].textContent || '').trim());
    }
    table.setAttribute('role', 'table');
    var groups = table.querySelectorAll('thead, tbody, tfoot');
    for (var g = 0; g < groups.length; g++) groups[g].setAttribute('role', 'rowgroup');
    var rows = table.querySelectorAll('tr');
    for (var r = 0; r < rows.length; r++) {
      rows[r].setAttribute('role', 'row');
      var inHead = rows[r].parentElement && rows[r].parentElement.tagName === 'THEAD';
      var column = 0;
      for (var c = 0; c < rows[r].children.length; c++) {
        var cell = rows[r].children[c];
        var isHeader = cell.tagName === 'TH';
        if (inHead) cell.setAttribute('role', 'columnheader');
        else cell.setAttribute('role', isHeader ? 'rowheader' : 'cell');
        var width = parseInt(cell.getAttribute('colspan') || '1', 10);
        if (!inHead && width === 1 && labels[column] && !cell.hasAttribute('data-label')) {
          cell.setAttribute('data-label', labels[column]);
        }
        column += width;
      }
    }
    table.classList.add('reflow');
  }

  function start() {
    var tables = document.querySelectorAll('main table');
    for (var t = 0; t < tables.length; t++) reflow(tables[t]);

    if (framed) {
      sendHeight();
      if (window.ResizeObserver) {
        new ResizeObserver(heightChanged).observe(document.documentElement);
      } else {
        window.addEventListener('resize', heightChanged);
      }
      window.addEventListener('load', heightChanged);
      // Confirmations shown with the page (after a post, redirect, get) and those that appear
      // later: a live region inside the frame is not announced on load, the platform's is.
      announceWithin(document.body);
      if (window.MutationObserver) {
        new MutationObserver(function (changes) {
          for (var i = 0; i < changes.length; i++) {
            var change = changes[i];
            if (change.type === 'childList') {
              for (var n = 0; n < change.addedNodes.length; n++) announceWithin(change.addedNodes[n]);
            }
          }
        }).observe(document.body, { childList: true, subtree: true });
      }
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
