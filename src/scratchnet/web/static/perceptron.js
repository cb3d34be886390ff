// The Perceptron tab: three weights and a threshold on sliders (or a preset), the perceptron drawn with them and
// its truth table over the eight inputs (/api/perceptron), read out in words. This script only draws. It uses
// app.js's helpers ($, api, el, svgEl) and i18n.js's t() and serverError().
"use strict";

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
