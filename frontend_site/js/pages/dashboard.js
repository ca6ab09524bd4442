// The customer's dashboard: accounts (available vs ledger balance), recent transactions, a week of spending.

import { get, q } from "../api.js";
import { h, replace } from "../dom.js";
import { money } from "../format.js";
import { moneyChart } from "../charts.js";
import { bankRulesIfAvailable } from "../rules.js";
import { state, myAccounts } from "../state.js";
import { badge, errorBox, link, loading, pageHead } from "../ui.js";
import { transactionsTable } from "./common.js";
import { spendingByDay } from "./analytics.js";

export async function dashboardPage(view) {
  const accountsBox = h("section", { "aria-labelledby": "accounts-title" }, loading("Loading your accounts…"));
  const recentBox = h("section", { class: "panel", "aria-labelledby": "recent-title" }, h("h2", { id: "recent-title" }, "Recent transactions"), loading());
  const chartBox = h("section", { class: "panel", "aria-labelledby": "week-title" }, h("h2", { id: "week-title" }, "Your spending this week"), loading());
  view.append(
    pageHead(`Hello, ${state.me.first_name || state.me.username}`, link("#/transfer", "Send money", "btn"), link("#/open-account", "Open an account", "btn secondary")),
    accountsBox,
    h("div", { class: "grid two" }, recentBox, chartBox),
  );
  let accounts;
  try {
    accounts = await myAccounts();
  } catch (error) {
    replace(accountsBox, errorBox(error));
    replace(recentBox, h("h2", { id: "recent-title" }, "Recent transactions"));
    replace(chartBox, h("h2", { id: "week-title" }, "Your spending this week"));
    return;
  }
  if (!accounts.length) {
    const rules = await bankRulesIfAvailable();
    const bonus = rules ? rules.accounts.welcome_bonus : 0;
    const offer = bonus > 0 ? `Open a current or savings account and we credit a ${money(bonus)} welcome bonus.` : "Open a current or savings account to start banking with us.";
    replace(
      accountsBox,
      h("div", { class: "panel" }, h("h2", { id: "accounts-title" }, "You have no account yet"), h("p", {}, offer), link("#/open-account", "Open my first account", "btn")),
    );
    replace(recentBox, h("h2", { id: "recent-title" }, "Recent transactions"), h("p", { class: "empty" }, "No transactions yet."));
    replace(chartBox, h("h2", { id: "week-title" }, "Your spending this week"), h("p", { class: "empty" }, "Nothing spent yet."));
    return;
  }
  replace(
    accountsBox,
    h("h2", { id: "accounts-title", class: "visually-hidden" }, "Your accounts"),
    h("div", { class: "grid three" }, accounts.map(accountCard)),
  );
  const histories = await Promise.all(
    accounts.map((a) =>
      get(`/accounts/${q(a.account_number)}/transactions?limit=50`)
        .then((r) => (r.items || []).map((t) => ({ ...t, account: a.account_number })))
        .catch((error) => ({ error })),
    ),
  );
  const failed = histories.find((x) => x.error);
  const all = histories.filter((x) => !x.error).flat().sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  replace(
    recentBox,
    h("h2", { id: "recent-title" }, "Recent transactions"),
    failed ? errorBox(failed.error) : null,
    transactionsTable(all.slice(0, 8), { account: accounts.length > 1 }),
  );
  const { labels, values } = spendingByDay(all, 7);
  replace(chartBox, h("h2", { id: "week-title" }, "Your spending this week"), moneyChart({ title: "Spending per day, last 7 days", labels, series: [{ label: "Spent", data: values }] }), h("p", {}, link("#/analytics", "More analytics")));
}

function accountCard(account) {
  const held = Number(account.ledger_balance) - Number(account.available_balance);
  return h(
    "article",
    { class: "panel account-card", "data-account": account.account_number },
    h("div", { class: "row" }, h("strong", {}, account.type === "savings" ? "Savings account" : "Current account"), badge(account.state)),
    h("span", { class: "number", "aria-label": "Account number" }, account.account_number),
    h("span", { class: "balance-label" }, "Available balance"),
    h("span", { class: "balance", "data-testid": "available-balance" }, money(account.available_balance)),
    h("span", { class: "small muted", "data-testid": "ledger-balance" }, `Ledger balance ${money(account.ledger_balance)}${held > 0 ? ` · ${money(held)} on hold` : ""}`),
    account.type === "savings" && account.interest_rate_bp !== undefined ? h("span", { class: "small muted" }, `Interest ${(account.interest_rate_bp / 100).toFixed(2)}% a year`) : null,
    h("div", { class: "actions" }, link(`#/accounts/${account.account_number}`, "Details", "btn secondary small"), link(`#/transfer?from=${account.account_number}`, "Send", "btn secondary small")),
  );
}
