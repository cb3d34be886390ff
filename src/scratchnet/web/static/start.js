// Starting the page: the words first (i18n.js's loadStrings), then the tabs, the Draw tab's bars, canvas and
// diagram, the model, who may train, the training's state, the perceptron, and the tab the address names.
// Loaded last: start() awaits the server, and a script still on its way when an answer came back left its
// functions undefined (maps.js's showMaps, called by refreshModel, on a slow load). It uses
// app.js's helpers ($, api, paintGrey, showPanel, refreshModel, state), draw.js's drawing, requestPrediction,
// buildProbabilityBars and showProbabilities, network.js's drawNetwork, train.js's refreshRun, perceptron.js's
// updatePerceptron and i18n.js's loadStrings and serverError(). The page is marked data-ready once started.
"use strict";

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
  showProbabilities(null, -1);
  paintGrey($("seen"), new Array(784).fill(0));
  // A stroke drawn while the words were on their way was answered without them, and the words just written
  // over its note: read it again. The diagram waits for the model and then shows whatever trace is on screen.
  if (drawing.dirty) requestPrediction(true);
  refreshModel().then(() => drawNetwork(state.trace));
  await checkAccess();
  refreshRun().catch((err) => { $("train-status").textContent = serverError(err); });
  updatePerceptron();
  window.addEventListener("hashchange", followHash);
  followHash();
  document.documentElement.dataset.ready = "true"; // for those who wait for the page (the browser tests)
}

start();
