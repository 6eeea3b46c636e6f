// The playground: plain JS, no dependencies, talks to this server's /info and /v1/<task>.
(function () {
  'use strict';
  var TABS = { 'fill-mask': 'Fill mask', classify: 'Classify', ner: 'Entities', qa: 'Question answering' };
  var SAMPLES = { 'fill-mask': 'Paris is the [MASK] of France.', classify: 'I love this movie!', ner: 'Ada Lovelace lived in London.', qa: 'Where did Ada live?' };
  var current = 'fill-mask';
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function bars(items) {
    var list = el('div', { role: 'list' });
    items.forEach(function (it) {
      var row = el('div', { class: 'bar-row', role: 'listitem' });
      row.appendChild(el('span', { class: 'bar-label' }, it.label));
      var bar = el('div', { class: 'bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '1', 'aria-valuenow': String(it.score), 'aria-label': it.label });
      bar.style.width = Math.max(0.5, it.score * 100) + '%';
      row.appendChild(bar);
      row.appendChild(el('span', { class: 'bar-score' }, it.score.toFixed(3)));
      list.appendChild(row);
    });
    return list;
  }
  function highlight(text, spans) {
    var p = el('p', { class: 'highlighted' });
    var at = 0;
    spans.forEach(function (s) {
      p.appendChild(document.createTextNode(text.slice(at, s.start)));
      p.appendChild(el('mark', { title: s.title }, text.slice(s.start, s.end)));
      at = s.end;
    });
    p.appendChild(document.createTextNode(text.slice(at)));
    return p;
  }
  function selectTab(route) {
    current = route;
    Array.prototype.forEach.call(document.querySelectorAll('[role=tab]'), function (t) {
      var on = t.dataset.route === route;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
    });
    $('context-row').hidden = route !== 'qa';
    $('text-label').textContent = route === 'qa' ? 'Question' : 'Text';
    $('text').value = SAMPLES[route];
    if (route === 'qa' && !$('context').value) $('context').value = 'Ada Lovelace lived in London and wrote the first program.';
    $('results').textContent = '';
  }
  function render(route, input, out) {
    var box = $('results');
    box.textContent = '';
    if (route === 'fill-mask') {
      out.forEach(function (cands, i) {
        if (out.length > 1) box.appendChild(el('h2', {}, 'Mask ' + (i + 1)));
        box.appendChild(bars(cands.map(function (c) { return { label: c.token_str, score: c.score }; })));
      });
    } else if (route === 'classify') {
      box.appendChild(bars((Array.isArray(out) ? out : [out]).map(function (c) { return { label: c.label, score: c.score }; })));
    } else if (route === 'ner') {
      box.appendChild(highlight(input.text, out.map(function (e) { return { start: e.start, end: e.end, title: e.entity_group + ' ' + e.score.toFixed(3) }; })));
      box.appendChild(bars(out.map(function (e) { return { label: e.entity_group + ': ' + e.word, score: e.score }; })));
    } else if (route === 'qa') {
      box.appendChild(highlight(input.context, [{ start: out.start, end: out.end, title: 'answer ' + out.score.toFixed(3) }]));
      box.appendChild(bars([{ label: out.answer || '(empty)', score: out.score }]));
    }
  }
  function post(route, body) {
    var headers = { 'content-type': 'application/json' };
    var key = $('api-key').value;
    if (key) headers.authorization = 'Bearer ' + key;
    return fetch('/v1/' + route, { method: 'POST', headers: headers, body: JSON.stringify(body) }).then(function (r) {
      return r.json().then(function (j) { if (!r.ok) throw new Error(j.error ? j.error.code + ': ' + j.error.message : r.statusText); return j; });
    });
  }
  $('form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var route = current;
    var text = $('text').value;
    var input = { text: text, context: $('context').value };
    var body;
    if (route === 'fill-mask') body = { inputs: text, options: { topK: 5 } };
    else if (route === 'classify') body = { inputs: text, options: { topK: null } };
    else if (route === 'ner') body = { inputs: text, options: { aggregationStrategy: 'simple' } };
    else body = { inputs: { question: text, context: input.context } };
    $('results').textContent = 'Running…';
    post(route, body).then(function (out) { render(route, input, out); }, function (e) {
      $('results').textContent = '';
      $('results').appendChild(el('p', { class: 'error', role: 'alert' }, e.message));
    });
  });
  fetch('/info').then(function (r) { return r.json(); }).then(function (info) {
    $('model-info').textContent = (info.model || 'model') + ' — ' + info.architecture + ', ' + info.dtype + ' on ' + info.device;
    var tabs = $('tabs');
    var routes = (info.routes || []).map(function (r) { return r.replace('/v1/', ''); }).filter(function (r) { return TABS[r]; });
    routes.forEach(function (r) {
      var b = el('button', { role: 'tab', type: 'button', 'data-route': r, 'aria-selected': 'false' }, TABS[r]);
      b.addEventListener('click', function () { selectTab(r); });
      b.addEventListener('keydown', function (ev) {
        var i = routes.indexOf(r);
        if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
          var next = routes[(i + (ev.key === 'ArrowRight' ? 1 : routes.length - 1)) % routes.length];
          selectTab(next);
          document.querySelector('[data-route="' + next + '"]').focus();
        }
      });
      tabs.appendChild(b);
    });
    if (routes.length) selectTab(routes[0]);
  }, function () { $('model-info').textContent = 'Could not read /info'; });
})();
