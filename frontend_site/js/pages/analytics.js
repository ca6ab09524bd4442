// Spending analytics from the customer's own history: money out per day (7 or 30 days) and the
// accounts they pay most. Computed in the browser from GET /accounts/{n}/transactions.

import { getAll, q } from "../api.js";
import { h, replace } from "../dom.js";
import { dayLabel, isoDay, money } from "../format.js";
import { moneyChart } from "../charts.js";
import { myAccounts } from "../state.js";
import { errorBox, link, loading, pageHead, table } from "../ui.js";
import { counterpartyText } from "./common.js";

const SPENDING_KINDS = new Set(["transfer", "card_capture", "loan_repayment"]);

function isSpending(t) {
  return t.direction === "debit" && t.status === "completed" && SPENDING_KINDS.has(t.kind);
}

/** Money out per local day for the last `days` days (today included): {labels, days, values}. */
export function spendingByDay(items, days) {
  const totals = new Map();
  const today = new Date();
  const keys = [];
  for (let i = days - 1; i >= 0; i -= 1) {
    const day = isoDay(new Date(today.getFullYear(), today.getMonth(), today.getDate() - i));
    keys.push(day);
    totals.set(day, 0);
  }
  for (const t of items) {
    if (!isSpending(t)) continue;
    const day = isoDay(new Date(t.created_at));
    if (totals.has(day)) totals.set(day, totals.get(day) + Number(t.amount));
  }
  return { days: keys, labels: keys.map(dayLabel), values: keys.map((k) => totals.get(k)) };
}

export function topRecipients(items, since, limit = 5) {
  const own = new Set(items.map((t) => t.account));
  const sums = new Map();
  for (const t of items) {
    if (!isSpending(t) || new Date(t.created_at) < since || own.has(t.counterparty)) continue;
    const key = t.counterparty || "unknown";
    const entry = sums.get(key) || { counterparty: key, total: 0, count: 0 };
    entry.total += Number(t.amount);
    entry.count += 1;
    sums.set(key, entry);
  }
  return [...sums.values()].sort((a, b) => b.total - a.total).slice(0, limit);
}

export async function analyticsPage(view) {
  let days = 7;
  const toggle = h("div", { class: "segmented", role: "group", "aria-label": "Period" });
  const content = h("div", {}, loading("Adding up your spending…"));
  view.append(pageHead("Analytics", toggle), content);
  const accounts = await myAccounts();
  if (!accounts.length) {
    replace(content, h("p", {}, "No account yet."), link("#/open-account", "Open an account", "btn"));
    return;
  }
  const since30 = new Date(Date.now() - 31 * 86_400_000);
  let items;
  try {
    const lists = await Promise.all(
      accounts.map((a) =>
        getAll(`/accounts/${q(a.account_number)}/transactions`, { limit: 100, maxPages: 10, stop: (page) => page.some((t) => new Date(t.created_at) < since30) }).then((list) =>
          list.map((t) => ({ ...t, account: a.account_number })),
        ),
      ),
    );
    items = lists.flat();
  } catch (error) {
    replace(content, errorBox(error));
    return;
  }
  const buttons = [7, 30].map((n) => {
    const button = h("button", { type: "button", "aria-pressed": String(n === days) }, `${n} days`);
    button.addEventListener("click", () => {
      days = n;
      for (const b of buttons) b.setAttribute("aria-pressed", String(b === button));
      draw();
    });
    return button;
  });
  replace(toggle, buttons);

  function draw() {
    const series = spendingByDay(items, days);
    const total = series.values.reduce((a, b) => a + b, 0);
    const since = new Date();
    since.setHours(0, 0, 0, 0);
    since.setDate(since.getDate() - (days - 1));
    const top = topRecipients(items, since);
    replace(
      content,
      h(
        "div",
        { class: "grid two" },
        h(
          "section",
          { class: "panel", "aria-labelledby": "spend-title" },
          h("h2", { id: "spend-title" }, `Spending per day, last ${days} days`),
          h("p", { class: "muted" }, `Total spent: `, h("strong", { "data-testid": "spend-total" }, money(total))),
          moneyChart({ title: `Spending per day, last ${days} days`, labels: series.labels, series: [{ label: "Spent", data: series.values }] }),
        ),
        h(
          "section",
          { class: "panel", "aria-labelledby": "top-title" },
          h("h2", { id: "top-title" }, "Top recipients"),
          table(
            [
              { label: "Recipient", value: (r) => h("span", { class: "mono" }, counterpartyText(r.counterparty)) },
              { label: "Payments", num: true, value: (r) => String(r.count) },
              { label: "Total", num: true, value: (r) => money(r.total) },
            ],
            top,
            { caption: "Top recipients", empty: "You have not paid anyone in this period." },
          ),
        ),
      ),
    );
  }
  draw();
}
