// The ledger's web page (GET /): a self-contained HTML page, no external resources, that
// lists the builds from /builds (refreshed every 2 s) and follows one build's log through
// /builds/<ID>/live with EventSource. A build is chosen by clicking it or by opening
// /#build=<ID>. Log lines go into <pre id="log"> as text nodes (never as HTML), one
// <span class="line"> each; <span id="status"> says "running", then the end event's
// "closed", "truncated" or "unknown".
//
// The script is kept apart so the server can allow exactly it by hash in its
// Content-Security-Policy: the page is kWebPageHead + "<script>" + kWebPageScript +
// "</script>" + kWebPageTail.
#pragma once

#include <string_view>

namespace vigil::ledger {

inline constexpr std::string_view kWebPageHead = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vigil ledger: builds</title>
<style>
body { margin: 0; font-family: system-ui, sans-serif; display: flex; height: 100vh; }
#builds-pane { width: 34em; max-width: 45%; overflow: auto; border-right: 1px solid #ccc; }
#builds-pane h1 { font-size: 1.1em; margin: .6em .6em .3em; }
#list-error { color: #b00; margin: 0 .6em; }
table { border-collapse: collapse; width: 100%; font-size: .85em; }
th, td { padding: .25em .6em; text-align: left; white-space: nowrap; }
td { border-bottom: 1px solid #eee; }
tr.build { cursor: pointer; }
tr.build:hover { background: #f2f2f2; }
tr.selected, tr.selected:hover { background: #dbe6ff; }
.running { color: #a60; } .closed { color: #070; } .truncated, .unknown { color: #b00; }
#log-pane { flex: 1; display: flex; flex-direction: column; min-width: 0; }
#log-head { padding: .6em; border-bottom: 1px solid #ccc; }
#build-id { font-weight: bold; margin-right: 1em; }
#log { flex: 1; margin: 0; padding: .5em; overflow: auto; background: #111; color: #ddd;
       font-size: .8em; }
</style>
</head>
<body>
<div id="builds-pane">
<h1>Builds</h1>
<p id="list-error"></p>
<table>
<thead><tr><th>Build</th><th>Status</th><th>Lines</th><th>End (UTC)</th><th>Entry</th></tr></thead>
<tbody id="builds"></tbody>
</table>
</div>
<div id="log-pane">
<div id="log-head"><span id="build-id">no build selected</span><span id="status"></span></div>
<pre id="log"></pre>
</div>
)html";

inline constexpr std::string_view kWebPageScript = R"js(
'use strict';
const buildsBody = document.getElementById('builds');
const listError = document.getElementById('list-error');
const buildIdEl = document.getElementById('build-id');
const statusEl = document.getElementById('status');
const logEl = document.getElementById('log');
const kStates = ['running', 'closed', 'truncated', 'unknown'];
let known = new Map();  // build id -> its object in the last /builds answer
let current = null;     // the followed build: {id, source, timer, done, abandoned}

function setStatus(text) {
  statusEl.textContent = text;
  statusEl.className = kStates.includes(text) ? text : '';
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
}

function renderBuilds(builds) {
  const rows = document.createDocumentFragment();
  const seen = new Map();
  for (const build of Array.isArray(builds) ? builds : []) {
    if (build === null || typeof build !== 'object' || typeof build.build_id !== 'string') {
      continue;
    }
    const id = build.build_id;
    seen.set(id, build);
    const status = String(build.status);
    const row = document.createElement('tr');
    row.className = 'build' + (current && current.id === id ? ' selected' : '');
    cell(row, id);
    cell(row, status, kStates.includes(status) ? status : '');
    cell(row, build.lines === undefined ? '' : String(build.lines));
    const end = typeof build.end === 'string' ? build.end : '';
    cell(row, end.replace('T', ' ').replace(/\.\d+Z$/, ''));
    cell(row, build.index === undefined ? '' : '#' + String(build.index));
    row.addEventListener('click', () => { location.hash = 'build=' + encodeURIComponent(id); });
    rows.appendChild(row);
  }
  known = seen;
  buildsBody.replaceChildren(rows);
}

async function refreshBuilds() {
  try {
    const response = await fetch('/builds', {cache: 'no-store'});
    if (!response.ok) throw new Error('HTTP ' + response.status);
    renderBuilds(await response.json());
    listError.textContent = '';
  } catch (error) {
    listError.textContent = 'Cannot list the builds (' + error.message + '); retrying.';
  }
}

async function pollBuilds() {
  await refreshBuilds();
  setTimeout(pollBuilds, 2000);
}

function appendLine(text) {
  const atBottom = logEl.scrollTop + logEl.clientHeight >= logEl.scrollHeight - 4;
  const line = document.createElement('span');
  line.className = 'line';
  line.appendChild(document.createTextNode(text + '\n'));
  logEl.appendChild(line);
  if (atBottom) logEl.scrollTop = logEl.scrollHeight;
}

function connect(state) {
  if (state.abandoned) return;
  logEl.replaceChildren();  // the stream starts again from the first line
  const logged = known.get(state.id);
  const finished = logged && logged.status !== 'running';
  setStatus(finished ? String(logged.status) : 'connecting');
  const source = new EventSource('/builds/' + encodeURIComponent(state.id) + '/live');
  state.source = source;
  source.onopen = () => { if (!finished) setStatus('running'); };
  source.onmessage = (event) => appendLine(event.data);
  source.addEventListener('end', (event) => {
    state.done = true;
    source.close();
    setStatus(String(event.data));
  });
  source.onerror = () => {
    if (state.done || state.abandoned) return;
    source.close();  // reconnect ourselves: EventSource would resend every line
    setStatus('disconnected');
    state.timer = setTimeout(() => checkAndReconnect(state), 2000);
  };
}

async function checkAndReconnect(state) {
  if (state.abandoned) return;
  try {
    const response = await fetch('/builds/' + encodeURIComponent(state.id) + '/log',
                                 {method: 'HEAD', cache: 'no-store'});
    if (state.abandoned) return;
    if (response.status === 404) { setStatus('no such build'); return; }
    if (response.status === 400) { setStatus('invalid build id'); return; }
  } catch (error) {
    // The server is unreachable: try again below.
  }
  connect(state);
}

function follow(id) {
  if (current) {
    current.abandoned = true;
    clearTimeout(current.timer);
    if (current.source) current.source.close();
  }
  current = {id: id, source: null, timer: 0, done: false, abandoned: false};
  buildIdEl.textContent = id;
  for (const row of buildsBody.rows) {
    row.classList.toggle('selected', row.cells[0].textContent === id);
  }
  connect(current);
}

function followHash() {
  const match = /^#build=(.+)$/.exec(location.hash);
  if (!match) return;
  let id;
  try {
    id = decodeURIComponent(match[1]);
  } catch (error) {
    return;
  }
  if (!current || current.id !== id) follow(id);
}

window.addEventListener('hashchange', followHash);
followHash();
pollBuilds();
)js";

inline constexpr std::string_view kWebPageTail = R"html(
</body>
</html>
)html";

}  // namespace vigil::ledger
