// scratchnet explorer: the page's shared state and helpers. Every number shown comes from the local server's
// JSON API; the page's scripts only draw. No libraries, no external URLs. The page loads its classic scripts in
// this order (index.html), each after those it uses at load: i18n.js, app.js, draw.js, network.js, samples.js,
// train.js, perceptron.js, start.js (which starts the page), backprop.js, maps.js. This one holds what the others
// share: $, api, el, svgEl, clamp, percent, formatNumber, paintGrey, the page's state, the tabs (showPanel) and
// the model badge (refreshModel). It uses i18n.js's t() and serverError(); showPanel opens loadSamples
// (samples.js), updatePerceptron (perceptron.js) and openBackprop (backprop.js); refreshModel calls showMaps (maps.js).
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

const state = {
  model: null,          // GET /api/model
  trace: null,          // the last Draw view (input, layers, edges, probabilities, prediction)
  inspected: null,      // {layer, index} of the neuron shown in the inspector
  sampleShown: null,    // the test digit on the canvas ({index, pixels}), or null for a drawing
  run: null,            // the current or last training's status
  events: null,         // the EventSource of a running training
  mayTrain: true,       // false for a student in classroom mode: training needs the teacher's token
  samplesOffset: 0,
};

// Helpers -------------------------------------------------------------------------------------

async function api(method, path, body) {
  const options = { method, headers: {} };
  if (body instanceof Blob) { // a picture's file, sent as it is: the server finds its format in its bytes
    options.headers["Content-Type"] = "application/octet-stream";
    options.body = body;
  } else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response = await fetch(path, options);
  for (let attempt = 0; attempt < 2 && [429, 503].includes(response.status) && response.headers.get("Retry-After"); attempt++) {
    // refused before any work was done (the server was busy): the same request is safe to send again
    await new Promise((resolve) => setTimeout(resolve, 1000 * Number(response.headers.get("Retry-After"))));
    response = await fetch(path, options);
  }
  let data = null;
  try { data = await response.json(); } catch (err) { data = { error: `${response.status} ${response.statusText}` }; }
  if (!response.ok) {
    const error = new Error(data && data.error ? data.error : `HTTP ${response.status}`);
    error.status = response.status;
    error.retryAfter = Number(response.headers.get("Retry-After")) || 0; // 503/429: the server is busy, ask again then
    throw error;
  }
  return data;
}

function el(tag, attributes = {}, parent = null, svg = false) {
  const node = svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}
const svgEl = (tag, attributes, parent) => el(tag, attributes, parent, true);

function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }
function percent(value, digits = 1) { return `${(100 * value).toFixed(digits)}%`; }
function formatNumber(value, digits = 3) { return value === null || value === undefined ? "–" : Number(value).toFixed(digits); }

function paintGrey(canvas, values, scale = 1) {
  // values: 784 grey levels (0..1 when scale is 1, 0..255 when scale is 1/255)
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = clamp(Math.round(values[i] * scale * 255), 0, 255);
    image.data[4 * i] = v; image.data[4 * i + 1] = v; image.data[4 * i + 2] = v; image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

// Tabs ----------------------------------------------------------------------------------------

function showPanel(name) {
  for (const tab of document.querySelectorAll(".tabs button")) {
    const selected = tab.dataset.panel === name;
    tab.setAttribute("aria-selected", String(selected));
    $(`panel-${tab.dataset.panel}`).hidden = !selected;
  }
  if (name === "samples" && !$("samples-grid").childElementCount) loadSamples(true);
  if (name === "perceptron" && !$("truth-table").tBodies[0].childElementCount) updatePerceptron();
  if (name === "backprop") openBackprop();  // backprop.js
  if (history.replaceState) history.replaceState(null, "", `#${name}`);
}

// The model badge -----------------------------------------------------------------------------

async function refreshModel() {
  try {
    state.model = await api("GET", "/api/model");
  } catch (err) {
    $("model-info").textContent = t("model.unavailable", { message: serverError(err) });
    return;
  }
  const m = state.model;
  const badge = $("model-info");
  badge.textContent = "";
  if (!m.ready) {
    badge.textContent = t("model.training");
    return;
  }
  el("b", { text: m.convolutional ? m.layers : m.sizes.join("-") }, badge);
  badge.append(` · ${t(`option.${m.activation}`)} · ${t(`option.${m.cost}`)}`);
  if (m.test_accuracy !== null && m.test_accuracy !== undefined) {
    badge.append(" · ");
    el("span", { class: "accuracy", text: t("model.accuracy", { accuracy: percent(m.test_accuracy, 2) }) }, badge);
  }
  badge.title = m.source;
  showMaps(state.trace);  // maps.js: a convolutional model's maps, hidden for a dense one
}
