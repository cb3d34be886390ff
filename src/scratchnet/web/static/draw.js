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
// A picture opened or dropped on the canvas: its file is sent rather than the canvas, and read by the server as
// `scratchnet read` reads a file; the picture as it was read is shown fitted into the canvas at `shown` {x, y, scale}.
const picture = { file: null, shown: null };
const prediction = { inFlight: false, pending: false, sequence: 0, shown: 0, lastSent: 0 };

function clearCanvas() {
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  drawing.dirty = false;
}
clearCanvas(); // now, before a finger can touch it: start() awaits the server, and a stroke may come first

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
  if (state.sampleShown !== null || picture.file !== null) {
    clearCanvas(); state.sampleShown = null; picture.file = null; $("draw-source").textContent = "";
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
  picture.file = null;
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
  const file = picture.file;
  try {
    const model = $("reader-switch").checked ? "reader" : "served";
    const maps = mapsWanted();  // maps.js: a convolutional network's maps, only while they are on screen
    // While the finger draws, a quick reading that follows it (no search for digits that touch: on a digit's
    // unfinished top, most of the server's work); when it lifts (endStroke), the whole reading.
    const live = drawing.active;
    const result = file
      ? await api("POST", `/api/read?model=${model}&maps=${maps}`, file)
      : await api("POST", "/api/read", { width: SEND_SIDE, height: SEND_SIDE, grey: drawingGrey(), model, maps, live });
    if (sequence > prediction.shown && file === picture.file) { // else what it answers is no longer on the canvas
      prediction.shown = sequence;
      if (result.picture) await showPicture(result.picture);
      showReading(result, file ? picture.shown : { x: 0, y: 0, scale: canvas.width / SEND_SIDE });
    }
  } catch (err) {
    if (err.retryAfter) { // busy: keep the last answer on screen and send the drawing again shortly
      setTimeout(() => requestPrediction(true), 1000 * err.retryAfter);
      return;
    }
    const message = serverError(err);
    showBlank(err.status === 503 ? t("answer.no_model") : t(file ? "answer.cannot_open" : "answer.cannot_read", { message }));
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
  else if (reading.text.includes(" ")) $("prediction-note").textContent = t("answer.lines", { count: reading.text.split(" ").length });
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

function openPicture(file) {
  // A photo, scan or drawing from disk goes to /api/read as its file (sendPrediction), to be decoded as
  // `scratchnet read` decodes one: HEIC, EXIF turns, transparency laid on the ground it contrasts with, full size.
  picture.file = file;
  picture.shown = null;
  state.sampleShown = null;
  ctx.fillStyle = "#fff"; // until the picture as read arrives (showPicture)
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  clearReading();
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

async function showPicture(read) {
  // The picture as the server read it (grey, at most 512 pixels a side), fitted into the canvas; the boxes of its
  // characters come in the picture's own pixels, read.width × read.height.
  const image = new Image();
  image.src = read.image;
  await image.decode();
  const fit = Math.min(canvas.width / read.width, canvas.height / read.height);
  picture.shown = { x: (canvas.width - read.width * fit) / 2, y: (canvas.height - read.height * fit) / 2, scale: fit };
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, picture.shown.x, picture.shown.y, read.width * fit, read.height * fit);
}

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
