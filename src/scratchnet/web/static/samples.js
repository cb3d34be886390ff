// The Samples tab: the test digits a page at a time (/api/samples), the network's mistakes marked; click one to
// see it on the Draw tab with the network's trace (openSample). This script only draws. It uses app.js's helpers
// ($, api, el, percent, paintGrey, showPanel, state), draw.js's canvas and answer (canvas, ctx, clearCanvas,
// prediction, clearReading, showTrace, showBlank) and i18n.js's t() and serverError().
"use strict";

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
  const tile = document.createElement("canvas");
  tile.width = 28; tile.height = 28;
  paintGrey(tile, sample.pixels, 1 / 255);
  clearCanvas();
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tile, 0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingEnabled = true;
  state.sampleShown = sample;
  picture.file = null;
  clearReading();
  $("draw-source").textContent = t("draw.source_sample", { index: sample.index, label: view.label });
  prediction.shown = ++prediction.sequence;  // drop answers to drawings still in flight
  showTrace(view);
}

$("samples-more").addEventListener("click", () => loadSamples(false));
