// Chart.js (vendored from npm at build time as vendor/chart.umd.js, never from a CDN) behind a small
// helper. Every chart also has its numbers as a table for screen readers and keyboard users.

import { h } from "./dom.js";
import { money, moneyCompact } from "./format.js";

const COLORS = ["#0b6e4f", "#d97706", "#2563eb", "#b42318", "#7c3aed", "#0891b2"];
const charts = new WeakMap();

function chartLib() {
  return window.Chart || null;
}

/**
 * A chart panel: canvas + a hidden-by-default data table.
 * series: [{label, data: [kobo...]}], labels: [string...]. type: "bar" | "line" | "doughnut".
 */
export function moneyChart({ title, labels, series, type = "bar", stacked = false }) {
  const canvas = h("canvas", { role: "img", "aria-label": `${title}: chart; the same numbers are in the table below` });
  const box = h("div", { class: "chart-box" }, canvas);
  const rows = labels.map((label, i) => h("tr", {}, h("th", { scope: "row" }, label), series.map((s) => h("td", { class: "num" }, money(s.data[i])))));
  const dataTable = h(
    "details",
    {},
    h("summary", {}, "Show as a table"),
    h("div", { class: "table-wrap" }, h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, ""), series.map((s) => h("th", { scope: "col", class: "num" }, s.label)))), h("tbody", {}, rows))),
  );
  const wrapper = h("figure", { class: "chart", "data-chart": title }, box, h("figcaption", { class: "visually-hidden" }, title), dataTable);
  // Draw once the canvas is in the document (Chart.js measures its parent).
  requestAnimationFrame(() => draw(canvas, { labels, series, type, stacked }));
  return wrapper;
}

function draw(canvas, { labels, series, type, stacked }) {
  const Chart = chartLib();
  if (!Chart || !canvas.isConnected) {
    if (!Chart) canvas.replaceWith(h("p", { class: "muted" }, "The chart library did not load; the numbers are in the table."));
    return;
  }
  // Charts of pages left behind keep listeners on window: destroy them.
  for (const old of Object.values(Chart.instances || {})) if (!old.canvas || !old.canvas.isConnected) old.destroy();
  const doughnut = type === "doughnut";
  const allZero = series.every((s) => s.data.every((v) => !Number(v)));
  const chart = new Chart(canvas, {
    type,
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.label,
        data: s.data.map((kobo) => Number(kobo) / 100),
        backgroundColor: doughnut ? COLORS : COLORS[i % COLORS.length],
        borderColor: doughnut ? "#fff" : COLORS[i % COLORS.length],
        borderWidth: type === "line" ? 2 : 1,
        tension: 0.25,
        fill: false,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: {
        legend: { display: series.length > 1 || doughnut, position: "bottom" },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${money(Math.round(Number(ctx.raw) * 100))}` } },
      },
      scales: doughnut
        ? {}
        : {
            x: { stacked, grid: { display: false } },
            y: { stacked, beginAtZero: true, suggestedMax: allZero ? 100 : undefined, ticks: { callback: (value) => moneyCompact(Math.round(Number(value) * 100)) } },
          },
    },
  });
  charts.set(canvas, chart);
}
