// The Draw tab: the canvas and its strokes (mouse, pen or touch), a picture opened or dropped on it, sending either
// to /api/read at most once per THROTTLE_MS (requestPrediction), and the answer: the boxes and characters read,
// the digits, the probability bars, and showTrace/showBlank, which hand each trace on to the network diagram
// (network.js: drawNetwork, refreshInspector) and the feature maps (maps.js: showMaps). This script only draws.
// It uses app.js's helpers ($, api, el, percent, paintGrey, state) and i18n.js's t() and serverError().
"use strict";

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

// The answer ----------------------------------------------------------------------------------

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

// The ground under a picture's transparency, as `scratchnet read` lays it (scratchnet.data.images.on_ground):
// strokes covering less than DRAWING_COVER of a transparent canvas are laid on black when they are light
// (mean grey weighted by opacity above ½), everything else on white.
const DRAWING_COVER = 0.5;
function groundFor(rgba) {
  let opaque = 0, lit = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    const alpha = rgba[i + 3] / 255;
    opaque += alpha;
    lit += (alpha * (0.299 * rgba[i] + 0.587 * rgba[i + 1] + 0.114 * rgba[i + 2])) / 255;
  }
  const light = opaque > 0 && lit / opaque > 0.5;
  return light && opaque < DRAWING_COVER * (rgba.length / 4) ? "#000" : "#fff";
}

async function openPicture(file) {
  // A photo or scan from disk: its grey levels (0.299 R + 0.587 G + 0.114 B, as Pillow's "L") at most
  // PICTURE_SIDE on the longer side go to /api/read, transparency laid on groundFor's colour; the canvas
  // shows it fitted.
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
  g.drawImage(bitmap, 0, 0, width, height);
  g.globalCompositeOperation = "destination-over";  // the ground goes behind what is drawn
  g.fillStyle = groundFor(g.getImageData(0, 0, width, height).data);
  g.fillRect(0, 0, width, height);
  g.globalCompositeOperation = "source-over";
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
