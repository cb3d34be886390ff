// The explorer's words. Every string the page shows lives in one table per language,
// /static/i18n/en.json and /static/i18n/zh.json (the same keys in both; tests/unit/test_i18n.py
// checks it). This script picks the language, loads its table and fills the page's marked elements:
//   data-i18n="key"            the element's text
//   data-i18n-html="key"       the element's markup (for strings with <i>z</i>, <sub>, <code>)
//   data-i18n-aria-label="key" its aria-label;  data-i18n-title="key" its title (the tooltip)
// app.js and the tab scripts call t(key, {name: value}) for everything they write, "{name}" marking where a value goes.
"use strict";

const LANGUAGES = { en: "en", zh: "zh-CN" };

function chooseLanguage() {
  // ?lang=zh or ?lang=en wins; otherwise the first of the browser's preferred languages we have.
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked && asked in LANGUAGES) return asked;
  for (const preferred of navigator.languages || [navigator.language || "en"]) {
    const base = String(preferred).toLowerCase().split("-")[0];
    if (base in LANGUAGES) return base;
  }
  return "en";
}

const i18n = { language: chooseLanguage(), strings: null }; // null until loadStrings() has the table

function t(key, values = {}) {
  const text = i18n.strings ? i18n.strings[key] : undefined;
  if (text === undefined) {
    // Before the table has come (a stroke drawn at once), the key stands in until start() reads the drawing again.
    if (i18n.strings) console.error(`scratchnet: no string "${key}" in the ${i18n.language} table`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

function serverError(err) {
  // The server's messages name the bad value in English; the page says in its own words where they come from.
  return t("error.server", { message: err.message });
}

function translatePage(root = document) {
  document.documentElement.lang = LANGUAGES[i18n.language];
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-html]")) node.innerHTML = t(node.dataset.i18nHtml);
  for (const node of root.querySelectorAll("[data-i18n-aria-label]")) node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.setAttribute("title", t(node.dataset.i18nTitle));
  for (const button of root.querySelectorAll("[data-language]")) {
    button.setAttribute("aria-pressed", String(button.dataset.language === i18n.language));
    button.onclick = () => {
      // A new address, so the choice survives a reload and can be shared: ?lang=zh.
      const query = new URLSearchParams(location.search);
      query.set("lang", button.dataset.language);
      location.assign(`${location.pathname}?${query}${location.hash}`);
    };
  }
}

async function loadStrings() {
  const response = await fetch(`/static/i18n/${i18n.language}.json`);
  i18n.strings = await response.json();
  translatePage();
}
