// scratchnet explorer: the page's behaviour. Every number shown comes from the local server's JSON API;
// this script only draws. No libraries, no external URLs.
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
  if (body !== undefined) {
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

// Drawing -------------------------------------------------------------------------------------

const canvas = $("canvas");
const ctx = canvas.getContext("2d");
const SEND_SIDE = 112; // the drawing is sent as 112×112 grey levels; the server boxes it into 20×20
const sendCanvas = document.createElement("canvas");
sendCanvas.width = SEND_SIDE;
sendCanvas.height = SEND_SIDE;
const drawing = { active: false, pointer: null, last: null, dirty: false };
// A picture opened or dropped on the canvas: sent as it is (up to PICTURE_SIDE on its longer side) rather
// than the canvas, and shown fitted into the canvas at `shown` {x, y, scale}.
const picture = { sent: null, shown: null };
const PICTURE_SIDE = 512;
const prediction = { inFlight: false, pending: false, sequence: 0, shown: 0, lastSent: 0 };

function clearCanvas() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
}

function canvasPoint(event) {
  const rect = canvas.getBoundingClientRect();
  return { x: (event.clientX - rect.left) * canvas.width / rect.width, y: (event.clientY - rect.top) * canvas.height / rect.height };
}

function strokeTo(point, pressure) {
  const width = 19 * (pressure > 0 && pressure !== 0.5 ? 0.7 + 0.6 * pressure : 1);
  ctx.strokeStyle = "#fff";
  ctx.fillStyle = "#fff";
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.lineWidth = width;
  ctx.beginPath();
  if (drawing.last) {
    ctx.moveTo(drawing.last.x, drawing.last.y);
    ctx.lineTo(point.x, point.y);
    ctx.stroke();
  } else {
    ctx.arc(point.x, point.y, width / 2, 0, 2 * Math.PI);
    ctx.fill();
  }
  drawing.last = point;
  drawing.dirty = true;
}

canvas.addEventListener("pointerdown", (event) => {
  if (event.button !== undefined && event.button > 0) return;
  event.preventDefault();
  if (state.sampleShown !== null || picture.sent !== null) {
    clearCanvas(); state.sampleShown = null; picture.sent = null; $("draw-source").textContent = "";
  }
  canvas.setPointerCapture(event.pointerId);
  drawing.active = true;
  drawing.pointer = event.pointerId;
  drawing.last = null;
  strokeTo(canvasPoint(event), event.pressure);
  requestPrediction();
});

canvas.addEventListener("pointermove", (event) => {
  if (!drawing.active || event.pointerId !== drawing.pointer) return;
  event.preventDefault();
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const e of (events.length ? events : [event])) strokeTo(canvasPoint(e), e.pressure);
  requestPrediction();
});

function endStroke(event) {
  if (!drawing.active || event.pointerId !== drawing.pointer) return;
  drawing.active = false;
  drawing.last = null;
  requestPrediction(true);
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);
canvas.addEventListener("contextmenu", (event) => event.preventDefault());

$("clear").addEventListener("click", () => {
  clearCanvas();
  state.sampleShown = null;
  picture.sent = null;
  $("draw-source").textContent = "";
  requestPrediction(true);
});

function drawingGrey() {
  // The drawing as SEND_SIDE² grey levels 0..255 (the mean of R, G and B), one byte each, in base64: the
  // compact form of /api/predict, a quarter the size of the same levels written as JSON numbers.
  const small = sendCanvas.getContext("2d", { willReadFrequently: true });
  small.imageSmoothingEnabled = true;
  small.imageSmoothingQuality = "high";
  small.fillStyle = "#000";
  small.fillRect(0, 0, SEND_SIDE, SEND_SIDE);
  small.drawImage(canvas, 0, 0, SEND_SIDE, SEND_SIDE);
  const data = small.getImageData(0, 0, SEND_SIDE, SEND_SIDE).data;
  const grey = new Uint8Array(SEND_SIDE * SEND_SIDE);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round((data[4 * i] + data[4 * i + 1] + data[4 * i + 2]) / 3);
  let text = "";
  for (let i = 0; i < grey.length; i += 4096) text += String.fromCharCode.apply(null, grey.subarray(i, i + 4096));
  return btoa(text);
}

const THROTTLE_MS = 70;

function requestPrediction(now = false) {
  if (prediction.inFlight) { prediction.pending = true; return; }
  const wait = now ? 0 : Math.max(0, prediction.lastSent + THROTTLE_MS - performance.now());
  if (wait > 0) {
    if (!prediction.timer) prediction.timer = setTimeout(() => { prediction.timer = null; requestPrediction(true); }, wait);
    return;
  }
  sendPrediction();
}

async function sendPrediction() {
  prediction.inFlight = true;
  prediction.pending = false;
  prediction.lastSent = performance.now();
  const sequence = ++prediction.sequence;
  try {
    const body = picture.sent ? { ...picture.sent } : { width: SEND_SIDE, height: SEND_SIDE, grey: drawingGrey() };
    body.model = $("reader-switch").checked ? "reader" : "served";
    const result = await api("POST", "/api/read", body);
    if (sequence > prediction.shown) {
      prediction.shown = sequence;
      showReading(result, picture.sent ? picture.shown : { x: 0, y: 0, scale: canvas.width / SEND_SIDE });
    }
  } catch (err) {
    if (err.retryAfter) { // busy: keep the last answer on screen and send the drawing again shortly
      setTimeout(() => requestPrediction(true), 1000 * err.retryAfter);
      return;
    }
    showBlank(err.status === 503 ? t("answer.no_model") : t("answer.cannot_read", { message: serverError(err) }));
  } finally {
    prediction.inFlight = false;
    if (prediction.pending) requestPrediction();
  }
}

// The answer and the network diagram ---------------------------------------------------------

function buildProbabilityBars() {
  const bars = $("probabilities");
  for (let d = 0; d < 10; d++) {
    const row = el("div", { class: "bar-row", "data-testid": `probability-${d}` }, bars);
    el("span", { class: "digit", text: String(d) }, row);
    const track = el("div", { class: "bar-track" }, row);
    el("div", { class: "bar-fill" }, track);
    el("span", { class: "value", text: "–" }, row);
  }
}

function showProbabilities(probabilities, best) {
  const rows = $("probabilities").children;
  for (let d = 0; d < rows.length; d++) {
    const p = probabilities ? probabilities[d] : 0;
    rows[d].classList.toggle("best", probabilities !== null && d === best);
    rows[d].querySelector(".bar-fill").style.width = `${(100 * p).toFixed(1)}%`;
    rows[d].querySelector(".value").textContent = probabilities ? percent(p) : "–";
    rows[d].dataset.probability = probabilities ? String(p) : "";
  }
}

function showReading(reading, shown) {
  // What /api/read found: each character's box over the drawing, its 28×28 input and answer, and the
  // digits read (or "not a digit"); the diagram shows the served network's trace of the first digit.
  drawBoxes(reading.characters, shown);
  showCharacters(reading.characters);
  if (reading.blank) { showBlank(t("answer.blank")); return; }
  if (reading.trace) showTrace(reading.trace);
  else showBlank("");
  const answer = $("prediction");
  answer.classList.toggle("words", reading.rejected);
  answer.textContent = reading.rejected ? t("answer.not_a_digit") : reading.text;
  answer.dataset.model = reading.model;
  if (reading.rejected) $("prediction-note").textContent = t("answer.not_a_digit_note");
  else if (reading.text.length > 1) $("prediction-note").textContent = t("answer.number", { count: reading.text.length });
}

function drawBoxes(characters, shown) {
  const boxes = $("boxes");
  const g = boxes.getContext("2d");
  g.clearRect(0, 0, boxes.width, boxes.height);
  boxes.dataset.count = String(characters.length);
  for (const c of characters) {
    const [x, y, w, h] = c.box;
    g.strokeStyle = c.is_digit ? "#22c55e" : "#ef4444";
    g.lineWidth = 2;
    g.strokeRect(shown.x + x * shown.scale - 2, shown.y + y * shown.scale - 2, w * shown.scale + 4, h * shown.scale + 4);
  }
}

function showCharacters(characters) {
  const row = $("characters");
  row.replaceChildren();
  for (const c of characters) {
    const item = el("div", { class: c.is_digit ? "character" : "character rejected", "data-testid": "character" }, row);
    paintGrey(el("canvas", { width: 28, height: 28 }, item), c.input);
    el("b", { text: c.is_digit ? String(c.digit) : t("draw.character_not_digit") }, item);
  }
}

function clearReading() {
  drawBoxes([], { x: 0, y: 0, scale: 1 });
  showCharacters([]);
  $("prediction").classList.remove("words");
}

async function openPicture(file) {
  // A photo or scan from disk: its grey levels (0.299 R + 0.587 G + 0.114 B, as Pillow's "L") at most
  // PICTURE_SIDE on the longer side go to /api/read; the canvas shows it fitted, on white.
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);  // EXIF orientation applied, as phones need
  } catch (err) {
    showBlank(t("answer.cannot_open", { message: err.message || file.name }));
    return;
  }
  const scale = Math.min(1, PICTURE_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale)), height = Math.max(1, Math.round(bitmap.height * scale));
  const small = document.createElement("canvas");
  small.width = width;
  small.height = height;
  const g = small.getContext("2d", { willReadFrequently: true });
  g.fillStyle = "#fff";
  g.fillRect(0, 0, width, height);
  g.drawImage(bitmap, 0, 0, width, height);
  const data = g.getImageData(0, 0, width, height).data;
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]);
  let text = "";
  for (let i = 0; i < grey.length; i += 4096) text += String.fromCharCode.apply(null, grey.subarray(i, i + 4096));
  const fit = Math.min(canvas.width / width, canvas.height / height);
  picture.shown = { x: (canvas.width - width * fit) / 2, y: (canvas.height - height * fit) / 2, scale: fit };
  picture.sent = { width, height, grey: btoa(text) };
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(small, picture.shown.x, picture.shown.y, width * fit, height * fit);
  state.sampleShown = null;
  $("draw-source").textContent = t("draw.source_picture", { name: file.name });
  requestPrediction(true);
}

$("upload").addEventListener("change", (event) => {
  const file = event.target.files && event.target.files[0];
  if (file) openPicture(file);
  event.target.value = "";
});
const dropZone = $("canvas-stack");
dropZone.addEventListener("dragover", (event) => { event.preventDefault(); dropZone.classList.add("dragging"); });
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("dragging");
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (file) openPicture(file);
});
$("reader-switch").addEventListener("change", () => requestPrediction(true));

function showBlank(message) {
  state.trace = null;
  $("prediction").textContent = "";
  $("prediction-note").textContent = message;
  showProbabilities(null, -1);
  paintGrey($("seen"), new Array(784).fill(0));
  drawNetwork(null);
  showMaps(null);  // maps.js
  if (state.inspected) refreshInspector();
}

function showTrace(trace) {
  state.trace = trace;
  const best = trace.prediction;
  $("prediction").textContent = String(best);
  const confidence = trace.probabilities[best];
  $("prediction-note").textContent = t(confidence > 0.8 ? "answer.confident" : confidence > 0.5 ? "answer.fairly_sure" : "answer.unsure", { confidence: percent(confidence) });
  if (trace.label !== undefined) {
    $("prediction-note").textContent += t(trace.label === best ? "answer.labelled" : "answer.labelled_mistake", { label: trace.label });
  }
  showProbabilities(trace.probabilities, best);
  paintGrey($("seen"), trace.input);
  drawNetwork(trace);
  showMaps(trace);  // maps.js
  if (state.inspected) refreshInspector();
}

const INPUT_BOX = { x: 14, y: 119, size: 224 };  // the 28×28 input drawn as a picture on the left
const COLUMN_X0 = 330;
const COLUMN_X1 = 640;
const DIAGRAM_TOP = 34;
const DIAGRAM_BOTTOM = 428;
const MAX_SHOWN = 40;

function layerLayout(sizes) {
  // Returns, for layers 1..L-1, the x and the y of each shown neuron and their radius.
  const columns = sizes.length - 1;
  const layout = [];
  for (let l = 1; l < sizes.length; l++) {
    const shown = Math.min(sizes[l], MAX_SHOWN);
    const x = columns === 1 ? COLUMN_X1 : COLUMN_X0 + (COLUMN_X1 - COLUMN_X0) * (l - 1) / (columns - 1);
    const height = DIAGRAM_BOTTOM - DIAGRAM_TOP - (sizes[l] > MAX_SHOWN ? 20 : 0);
    const spacing = Math.min(36, height / shown);
    const radius = clamp(spacing * 0.36, 3, 12);
    const top = DIAGRAM_TOP + (height - spacing * (shown - 1)) / 2;
    const ys = Array.from({ length: shown }, (_, j) => top + spacing * j);
    layout.push({ x, ys, radius, hidden: sizes[l] - shown });
  }
  return layout;
}

function inputPixelPosition(k) {
  const cell = INPUT_BOX.size / 28;
  return { x: INPUT_BOX.x + (k % 28 + 0.5) * cell, y: INPUT_BOX.y + (Math.floor(k / 28) + 0.5) * cell };
}

function brightness(values, l, sizes) {
  // Sigmoid and softmax activations already lie in [0, 1]; others are scaled by the layer's largest |a|.
  const m = state.model;
  const bounded = m && (m.activation === "sigmoid" || (l === sizes.length - 1 && m.cost !== "quadratic"));
  if (bounded) return values.map((a) => clamp(a, 0, 1));
  const largest = Math.max(1e-9, ...values.map(Math.abs));
  return values.map((a) => Math.abs(a) / largest);
}

function drawNetwork(trace) {
  const svg = $("network");
  const sizes = state.model && state.model.ready ? state.model.sizes : (trace ? [784, ...trace.layers.map((layer) => layer.a.length)] : null);
  svg.textContent = "";
  if (!sizes) return;
  const layout = layerLayout(sizes);

  // The input layer: the 28×28 picture the network sees, a neuron per pixel.
  svgEl("text", { x: INPUT_BOX.x + INPUT_BOX.size / 2, y: DIAGRAM_TOP - 14, class: "layer-label", text: t("network.input", { n: sizes[0] }) }, svg);
  const picture = document.createElement("canvas");
  picture.width = 28; picture.height = 28;
  paintGrey(picture, trace ? trace.input : new Array(784).fill(0));
  svgEl("image", { href: picture.toDataURL(), x: INPUT_BOX.x, y: INPUT_BOX.y, width: INPUT_BOX.size, height: INPUT_BOX.size, class: "input-picture" }, svg);
  svgEl("rect", { class: "input-frame", x: INPUT_BOX.x - 0.5, y: INPUT_BOX.y - 0.5, width: INPUT_BOX.size + 1, height: INPUT_BOX.size + 1, rx: 3 }, svg);

  // Connections first, so neurons sit on top of them.
  const edges = svgEl("g", { "data-testid": "edges" }, svg);
  if (trace) {
    const strongest = {};
    for (const edge of trace.edges) strongest[edge.layer] = Math.max(strongest[edge.layer] || 0, Math.abs(edge.weight));
    for (const edge of trace.edges) {
      const from = edge.layer === 0 ? inputPixelPosition(edge.from) : { x: layout[edge.layer - 1].x, y: layout[edge.layer - 1].ys[edge.from] };
      const target = layout[edge.layer];
      if (!from || from.y === undefined || target.ys[edge.to] === undefined) continue;
      const size = Math.abs(edge.weight) / (strongest[edge.layer] || 1);
      const glow = brightness(trace.layers[edge.layer].a, edge.layer + 1, sizes)[edge.to];
      svgEl("line", {
        class: "edge", x1: from.x, y1: from.y, x2: target.x, y2: target.ys[edge.to],
        stroke: edge.weight >= 0 ? "#4ea1ff" : "#ff6b6b",
        "stroke-width": (0.6 + 2.6 * size).toFixed(2), "stroke-opacity": (0.25 + 0.55 * glow * size).toFixed(2),
      }, edges);
    }
  }

  // The neurons of layers 1..L-1, shaded by activation.
  layout.forEach((column, i) => {
    const l = i + 1;
    const output = l === sizes.length - 1;
    const values = trace ? trace.layers[i].a : null;
    const shades = values ? brightness(values, l, sizes) : null;
    const group = svgEl("g", { "data-testid": `layer-${l}`, "data-activations": values ? values.slice(0, MAX_SHOWN).map((a) => a.toFixed(3)).join(" ") : "" }, svg);
    svgEl("text", { x: column.x, y: DIAGRAM_TOP - 14, class: "layer-label", text: output ? t("network.output", { n: sizes[l] }) : t("network.hidden", { l, n: sizes[l] }) }, group);
    column.ys.forEach((y, j) => {
      const shade = shades ? shades[j] : 0;
      const winner = output && trace && trace.prediction === j;
      svgEl("circle", { class: "neuron-base", cx: column.x, cy: y, r: column.radius }, group);
      const circle = svgEl("circle", {
        class: "neuron", cx: column.x, cy: y, r: column.radius, fill: "#f3f5fa",
        "fill-opacity": (0.06 + 0.94 * shade).toFixed(3), "data-testid": `neuron-${l}-${j}`,
        "data-activation": values ? values[j].toFixed(4) : "",
      }, group);
      svgEl("title", { text: (output ? t("network.neuron_output", { j }) : t("network.neuron_hidden", { l, j })) + (values ? `: a = ${values[j].toFixed(3)}` : "") }, circle);
      const selected = state.inspected && state.inspected.layer === l && state.inspected.index === j;
      svgEl("circle", { class: `neuron-ring${selected ? " selected" : ""}${winner ? " winner" : ""}`, cx: column.x, cy: y, r: column.radius }, group);
      circle.addEventListener("click", () => inspect(l, j));
      if (output) {
        svgEl("text", { x: column.x + column.radius + 8, y: y + 5, class: `digit-label${winner ? " winner-label" : ""}`, text: String(j) }, group);
      }
    });
    if (column.hidden > 0) {
      svgEl("text", { x: column.x, y: DIAGRAM_BOTTOM - 2, class: "layer-label", text: t("network.more", { n: column.hidden }) }, group);
    }
  });
}

// The neuron inspector ------------------------------------------------------------------------

function inspect(layer, index) {
  state.inspected = { layer, index };
  $("inspector").hidden = false;
  drawNetwork(state.trace);
  refreshInspector();
}

$("inspector-close").addEventListener("click", () => {
  state.inspected = null;
  $("inspector").hidden = true;
  drawNetwork(state.trace);
});

let inspectorSequence = 0;
async function refreshInspector() {
  const { layer, index } = state.inspected;
  const sequence = ++inspectorSequence;
  const sizes = state.model && state.model.sizes;
  const output = sizes && layer === sizes.length - 1;
  $("inspector-title").textContent = output ? t("inspector.output_title", { index }) : t("inspector.hidden_title", { layer, index });
  let view;
  try {
    view = await api("POST", "/api/neuron", { layer, index, input: state.trace ? state.trace.input : null });
  } catch (err) {
    $("inspector-weights-caption").textContent = serverError(err);
    return;
  }
  if (sequence !== inspectorSequence) return;
  $("inspector-bias").textContent = formatNumber(view.bias);
  $("inspector-z").textContent = view.z === null ? t("inspector.draw_first") : formatNumber(view.z);
  $("inspector-a").textContent = view.a === null ? t("inspector.draw_first") : formatNumber(view.a);
  const largest = Math.max(1e-9, ...view.weights.map(Math.abs));
  if (view.image_side) {
    const image = $("inspector-image");
    image.hidden = false;
    $("inspector-bars").hidden = true;
    const c = image.getContext("2d");
    const data = c.createImageData(28, 28);
    view.weights.forEach((w, k) => {
      const t = Math.abs(w) / largest;
      const color = w >= 0 ? [78, 161, 255] : [255, 107, 107];
      data.data[4 * k] = Math.round(color[0] * t);
      data.data[4 * k + 1] = Math.round(color[1] * t);
      data.data[4 * k + 2] = Math.round(color[2] * t);
      data.data[4 * k + 3] = 255;
    });
    c.putImageData(data, 0, 0);
    $("inspector-weights-caption").textContent = t("inspector.image_caption", { largest: largest.toFixed(2) });
  } else {
    $("inspector-image").hidden = true;
    const bars = $("inspector-bars");
    bars.hidden = false;
    bars.textContent = "";
    const n = view.weights.length;
    const width = 260 / n;
    svgEl("line", { x1: 0, y1: 60, x2: 260, y2: 60, stroke: "#3a4458" }, bars);
    view.weights.forEach((w, k) => {
      const h = 56 * Math.abs(w) / largest;
      svgEl("rect", { x: k * width + width * 0.12, y: w >= 0 ? 60 - h : 60, width: width * 0.76, height: Math.max(h, 0.5), fill: w >= 0 ? "#4ea1ff" : "#ff6b6b" }, bars);
    });
    const below = layer === 1 && state.model && state.model.convolutional ? "maps.bars_caption" : "inspector.bars_caption";
    $("inspector-weights-caption").textContent = t(below, { n, layer: layer - 1, largest: largest.toFixed(2) });
  }
}

// Samples -------------------------------------------------------------------------------------

async function loadSamples(reset) {
  const grid = $("samples-grid");
  if (reset) { grid.textContent = ""; state.samplesOffset = 0; }
  let page;
  try {
    page = await api("GET", `/api/samples?offset=${state.samplesOffset}&limit=60`);
  } catch (err) {
    $("samples-summary").textContent = serverError(err);
    return;
  }
  $("samples-summary").textContent = t("samples.summary", { mistakes: page.mistakes.toLocaleString(), total: page.total.toLocaleString(), right: percent(1 - page.mistakes / page.total, 2) });
  for (const sample of page.samples) {
    const wrong = sample.label !== sample.prediction;
    const tile = el("button", { class: `sample ${wrong ? "mistake" : "correct"}`, type: "button", "data-testid": "sample", "data-index": sample.index, title: t("samples.tile_title", { index: sample.index }) }, grid);
    const picture = el("canvas", { width: 28, height: 28 }, tile);
    paintGrey(picture, sample.pixels, 1 / 255);
    const verdict = el("span", { class: "verdict" }, tile);
    verdict.append(t("samples.verdict", { label: sample.label }));
    el("b", { text: String(sample.prediction) }, verdict);
    verdict.append(` ${Math.round(100 * sample.confidence)}%`);
    tile.addEventListener("click", () => openSample(sample));
  }
  state.samplesOffset += page.samples.length;
  $("samples-more").hidden = state.samplesOffset >= page.total;
}

async function openSample(sample, switchPanel = true) {
  if (switchPanel) showPanel("draw");
  let view;
  try {
    view = await api("GET", `/api/samples/${sample.index}`);
  } catch (err) {
    showBlank(serverError(err));
    return;
  }
  // Show the digit itself on the canvas, scaled up; drawing again starts afresh.
  const picture = document.createElement("canvas");
  picture.width = 28; picture.height = 28;
  paintGrey(picture, sample.pixels, 1 / 255);
  clearCanvas();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(picture, 0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  state.sampleShown = sample;
  picture.sent = null;
  clearReading();
  $("draw-source").textContent = t("draw.source_sample", { index: sample.index, label: view.label });
  prediction.shown = ++prediction.sequence;  // drop answers to drawings still in flight
  showTrace(view);
}

$("samples-more").addEventListener("click", () => loadSamples(false));

// Training ------------------------------------------------------------------------------------

function chart(svg, series, options) {
  // series: [{name, className, values}] drawn against epochs 1..options.epochs
  const W = 420, H = 240, left = 46, right = 14, top = 14, bottom = 30;
  svg.textContent = "";
  const all = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
  let low = options.low !== undefined ? options.low : Math.min(...all);
  let high = options.high !== undefined ? options.high : Math.max(...all);
  if (!all.length) { low = 0; high = 1; }
  if (options.fit && all.length) { low = Math.min(...all); high = Math.max(...all); const pad = (high - low) * 0.15 || 0.01; low = Math.max(0, low - pad); high = Math.min(options.cap ?? Infinity, high + pad); }
  if (high - low < 1e-9) { high = low + 1; }
  const epochs = Math.max(2, options.epochs);
  const x = (epoch) => left + (W - left - right) * (epoch - 1) / (epochs - 1);
  const y = (value) => top + (H - top - bottom) * (1 - (value - low) / (high - low));
  for (let i = 0; i <= 4; i++) {
    const value = low + (high - low) * i / 4;
    svgEl("line", { class: "grid", x1: left, x2: W - right, y1: y(value), y2: y(value) }, svg);
    svgEl("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", text: options.format(value) }, svg);
  }
  svgEl("line", { class: "axis", x1: left, x2: W - right, y1: H - bottom, y2: H - bottom }, svg);
  const step = Math.max(1, Math.ceil(epochs / 10));
  for (let e = 1; e <= epochs; e += step) svgEl("text", { x: x(e), y: H - bottom + 16, "text-anchor": "middle", text: String(e) }, svg);
  svgEl("text", { x: W - right, y: H - 4, "text-anchor": "end", text: t("chart.epoch") }, svg);
  for (const s of series) {
    const points = s.values.map((v, i) => [i + 1, v]).filter(([, v]) => v !== null && Number.isFinite(v));
    if (!points.length) continue;
    svgEl("polyline", { class: s.className, points: points.map(([e, v]) => `${x(e).toFixed(1)},${y(v).toFixed(1)}`).join(" ") }, svg);
    for (const [e, v] of points) {
      const dot = svgEl("circle", { class: s.className, cx: x(e), cy: y(v), r: 3.2, "data-testid": "curve-point", "data-series": s.name, "data-epoch": e }, svg);
      svgEl("title", { text: t("chart.point", { epoch: e, value: options.format(v, true) }) }, dot);
    }
  }
}

function renderRun(run) {
  state.run = run;
  const pill = $("train-state");
  const name = run ? run.state : "idle";
  pill.textContent = t(`train.state.${name}`);
  pill.className = `state-pill ${name}`;
  const running = Boolean(run && run.running);
  $("train-start").disabled = running || !state.mayTrain;
  $("train-stop").disabled = !running || (run && run.state === "stopping") || !state.mayTrain;
  const epochs = run ? run.epochs : [];
  const total = run ? run.config.epochs : Number($("train-epochs").value) || 30;
  chart($("cost-chart"), [
    { name: "training cost", className: "series-training", values: epochs.map((e) => e.training_cost) },
    { name: "validation cost", className: "series-validation", values: epochs.map((e) => e.validation_cost) },
  ], { epochs: total, fit: true, format: (v) => v.toFixed(3) });
  chart($("accuracy-chart"), [
    { name: "training accuracy", className: "series-training", values: epochs.map((e) => e.training_accuracy) },
    { name: "validation accuracy", className: "series-validation", values: epochs.map((e) => e.validation_accuracy) },
  ], { epochs: total, fit: true, cap: 1, format: (v, exact) => percent(v, exact ? 2 : 1) });
  const body = $("epoch-table").tBodies[0];
  body.textContent = "";
  for (const e of epochs) {
    const row = el("tr", {}, body);
    for (const text of [e.epoch, e.training_cost.toFixed(4), percent(e.training_accuracy, 2),
      e.validation_accuracy === null ? "–" : percent(e.validation_accuracy, 2), e.seconds.toFixed(2)]) el("td", { text: String(text) }, row);
  }
  let status = t("train.status.none");
  if (run) {
    const what = t("train.status.what", { layers: run.config.layers.join("-"), activation: run.config.activation, cost: run.config.cost, lr: run.config.lr, m: run.config.batch_size, n: run.training_size.toLocaleString() });
    if (run.running) {
      const last = epochs[epochs.length - 1];
      status = t("train.status.running", { what, epoch: Math.min(run.epoch + 1, total), total }) + (last && last.validation_accuracy !== null ? t("train.status.validation", { accuracy: percent(last.validation_accuracy, 2) }) : "");
      if (run.state === "stopping") status += t("train.status.stopping");
    } else {
      status = t(run.state === "failed" ? "train.status.failed" : run.state === "stopped" ? "train.status.stopped" : "train.status.done", { what, message: runMessage(run) });
    }
  }
  $("train-status").textContent = status;
  $("train-progress").style.width = run && run.running ? `${(100 * (run.progress || 0)).toFixed(1)}%` : "0%";
  const banner = $("training-banner");
  banner.hidden = !running;
  if (running) {
    const last = epochs[epochs.length - 1];
    $("training-banner-text").textContent = t(run.live ? "banner.live" : "banner.running") + t("banner.epoch", { epoch: Math.min(run.epoch + 1, total), total })
      + (last && last.validation_accuracy !== null ? t("banner.validation", { accuracy: percent(last.validation_accuracy, 2) }) : t("banner.end"));
  }
}

function runMessage(run) {
  // A finished training's numbers worded in the page's language; a failure's reason as the server gives it.
  const result = run.result;
  if (run.state === "failed") return t("error.server", { message: run.message });
  if (!result) return run.message;
  if (!result.epochs) return t("train.result_none");
  return t("train.result", { accuracy: percent(result.test_accuracy, 2), epochs: result.epochs })
    + (result.saved ? t("train.result_saved", { path: result.saved }) : "");
}

async function refreshRun() {
  const status = await api("GET", "/api/train");
  if (!state.defaultsApplied) { applyDefaults(status.defaults, status.run); state.defaultsApplied = true; }
  renderRun(status.run);
  if (status.run && status.run.running) listen();
}

function applyDefaults(defaults, run) {
  const source = run ? { ...run.config, training_size: run.training_size } : defaults;
  $("train-layers").value = source.layers.join(",");
  $("train-activation").value = source.activation;
  $("train-cost").value = source.cost;
  $("train-lr").value = source.lr;
  $("train-batch").value = source.batch_size;
  $("train-epochs").value = source.epochs;
  $("train-size").value = source.training_size;
}

function listen() {
  if (state.events) return;
  const source = new EventSource("/api/train/events");
  state.events = source;
  const run = () => state.run ? { ...state.run, epochs: [...state.run.epochs] } : null;
  source.addEventListener("status", (event) => {
    const data = JSON.parse(event.data);
    const current = run();
    if (!current) return;
    current.state = data.state;
    current.message = data.message;
    current.result = data.result;
    current.running = !["done", "stopped", "failed"].includes(data.state);
    renderRun(current);
  });
  source.addEventListener("epoch", (event) => {
    const record = JSON.parse(event.data);
    const current = run();
    if (!current) return;
    if (!current.epochs.some((e) => e.epoch === record.epoch)) current.epochs.push(record);
    current.epoch = record.epoch;
    current.progress = 0;
    renderRun(current);
  });
  source.addEventListener("progress", (event) => {
    const data = JSON.parse(event.data);
    const current = run();
    if (!current) return;
    current.progress = data.fraction;
    renderRun(current);
  });
  source.addEventListener("model", () => onNewModel());
  source.addEventListener("end", () => {
    source.close();
    state.events = null;
    refreshRun().catch(() => {});
  });
  source.onerror = () => {
    source.close();
    state.events = null;
    setTimeout(() => refreshRun().catch(() => {}), 1500);
  };
}

async function onNewModel() {
  const before = state.model ? state.model.sizes.join("-") : "";
  await refreshModel();
  if (state.model && state.model.sizes.join("-") !== before && state.inspected) {
    state.inspected = null;
    $("inspector").hidden = true;
  }
  if (state.sampleShown !== null) openSample(state.sampleShown, false).catch(() => {});
  else requestPrediction(true);
  $("samples-grid").textContent = "";
  if (!$("panel-samples").hidden) loadSamples(true);
  if (wish.example) loadWishes(false);  // backprop.js: the new model's wishes
}

$("train-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("train-error").textContent = "";
  const layers = $("train-layers").value.split(",").map((part) => part.trim());
  const body = {
    layers: layers.map((part) => (/^\d+$/.test(part) ? Number(part) : part)),
    activation: $("train-activation").value,
    cost: $("train-cost").value,
    lr: Number($("train-lr").value),
    batch_size: Number($("train-batch").value),
    epochs: Number($("train-epochs").value),
    training_size: Number($("train-size").value),
  };
  try {
    const run = await api("POST", "/api/train", body);
    renderRun(run);
    listen();
  } catch (err) {
    $("train-error").textContent = serverError(err);
  }
});

$("train-stop").addEventListener("click", async () => {
  try {
    renderRun(await api("POST", "/api/train/stop"));
  } catch (err) {
    $("train-error").textContent = serverError(err);
  }
});

// Perceptron ----------------------------------------------------------------------------------

const PERCEPTRON_INPUTS = ["w1", "w2", "w3"];
let perceptronTimer = null;
let perceptronSequence = 0;

function perceptronSettings() {
  return { weights: PERCEPTRON_INPUTS.map((id) => Number($(id).value)), threshold: Number($("threshold").value) };
}

function drawPerceptron(weights, threshold) {
  const svg = $("perceptron-diagram");
  svg.textContent = "";
  const labels = [t("perceptron.weather"), t("perceptron.partner"), t("perceptron.transit")];
  const ys = [30, 85, 140];
  const largest = Math.max(1, ...weights.map(Math.abs));
  ys.forEach((y, j) => {
    const w = weights[j];
    svgEl("line", { x1: 110, y1: y, x2: 280, y2: 85, stroke: w >= 0 ? "#4ea1ff" : "#ff6b6b", "stroke-width": (1 + 7 * Math.abs(w) / largest).toFixed(1), "stroke-opacity": w === 0 ? 0.15 : 0.8, "stroke-linecap": "round" }, svg);
    svgEl("circle", { cx: 100, cy: y, r: 13, fill: "#1b2130", stroke: "#566079" }, svg);
    svgEl("text", { x: 100, y: y + 4, "text-anchor": "middle", text: `x${j + 1}` }, svg);
    svgEl("text", { x: 78, y: y + 4, "text-anchor": "end", text: labels[j] }, svg);
    svgEl("text", { x: 150, y: y + (85 - y) * 0.235 - 12, "text-anchor": "middle", text: `w${j + 1} = ${w}` }, svg);
  });
  svgEl("circle", { cx: 290, cy: 85, r: 26, fill: "#222a3b", stroke: "#ffd166", "stroke-width": 2 }, svg);
  svgEl("text", { x: 290, y: 89, "text-anchor": "middle", text: `> ${threshold}` }, svg);
  svgEl("line", { x1: 316, y1: 85, x2: 372, y2: 85, stroke: "#ffd166", "stroke-width": 2 }, svg);
  svgEl("text", { x: 378, y: 89, text: t("perceptron.go_question") }, svg);
}

function updatePerceptron() {
  const { weights, threshold } = perceptronSettings();
  PERCEPTRON_INPUTS.forEach((id, j) => { $(`${id}-value`).textContent = String(weights[j]); });
  $("threshold-value").textContent = String(threshold);
  $("perceptron-formula").textContent = t("perceptron.formula", { w1: weights[0], w2: weights[1], w3: weights[2], threshold });
  drawPerceptron(weights, threshold);
  clearTimeout(perceptronTimer);
  perceptronTimer = setTimeout(() => fetchTruthTable(weights, threshold), 40);
}

async function fetchTruthTable(weights, threshold) {
  const sequence = ++perceptronSequence;
  let table;
  try {
    table = await api("POST", "/api/perceptron", { weights, threshold });
    $("perceptron-error").textContent = "";
  } catch (err) {
    $("perceptron-error").textContent = serverError(err);
    return;
  }
  if (sequence !== perceptronSequence) return;
  const body = $("truth-table").tBodies[0];
  body.textContent = "";
  let goes = 0;
  for (const row of table.rows) {
    const tr = el("tr", { class: row.output ? "go" : "stay", "data-output": String(row.output), "data-inputs": row.inputs.join("") }, body);
    for (const x of row.inputs) el("td", { text: x ? t("truth.yes") : t("truth.no") }, tr);
    el("td", { text: String(Math.round(row.weighted_sum * 1000) / 1000) }, tr);
    el("td", { class: "decision", text: row.output ? t("truth.go") : t("truth.stay") }, tr);
    goes += row.output;
  }
  const reading = $("perceptron-reading");
  const weatherOnly = table.rows.every((row) => row.output === row.inputs[0]);
  reading.textContent = t(goes === 0 ? "perceptron.never" : goes === 8 ? "perceptron.always" : weatherOnly ? "perceptron.weather_only" : "perceptron.some", { goes });
}

for (const id of [...PERCEPTRON_INPUTS, "threshold"]) $(id).addEventListener("input", updatePerceptron);
for (const button of document.querySelectorAll("[data-preset]")) {
  button.addEventListener("click", () => {
    const [w1, w2, w3, threshold] = button.dataset.preset.split(",");
    $("w1").value = w1; $("w2").value = w2; $("w3").value = w3; $("threshold").value = threshold;
    updatePerceptron();
  });
}

// Start ---------------------------------------------------------------------------------------

function followHash() {
  const requested = location.hash.replace("#", "");
  if (["draw", "train", "perceptron", "samples", "backprop"].includes(requested)) showPanel(requested);
}

async function checkAccess() {
  // In classroom mode (scratchnet serve beyond this machine) only the teacher's browser may train.
  try {
    const access = await api("GET", "/api/access");
    state.mayTrain = !access.token_required || access.authorised;
  } catch (err) {
    state.mayTrain = true; // the server will say no itself if it must
  }
  $("train-access").hidden = state.mayTrain;
}

async function start() {
  // The words first (i18n.js), then the page: every string drawn below comes from the table.
  await loadStrings();
  for (const tab of document.querySelectorAll(".tabs button")) tab.addEventListener("click", () => showPanel(tab.dataset.panel));
  buildProbabilityBars();
  clearCanvas();
  showProbabilities(null, -1);
  paintGrey($("seen"), new Array(784).fill(0));
  refreshModel().then(() => drawNetwork(null));
  await checkAccess();
  refreshRun().catch((err) => { $("train-status").textContent = serverError(err); });
  updatePerceptron();
  window.addEventListener("hashchange", followHash);
  followHash();
}

start();
