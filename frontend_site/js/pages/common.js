// Pieces shared by several pages: account pickers, transaction tables, account labels.

import { h } from "../dom.js";
import { dateTime, kindLabel, money } from "../format.js";
import { badge, select, signedAmount, table } from "../ui.js";

export function accountLabel(account) {
  const type = account.type === "savings" ? "Savings" : "Current";
  return `${type} ${account.account_number} · ${money(account.available_balance)} available`;
}

export function accountSelect(accounts, { name = "account_number", onlyActive = true, selected } = {}) {
  const usable = onlyActive ? accounts.filter((a) => a.state === "active") : accounts;
  return select(
    name,
    usable.map((a) => ({ value: a.account_number, label: accountLabel(a), selected: a.account_number === selected })),
    { required: true },
  );
}

export function counterpartyText(value) {
  const text = String(value || "");
  if (text.startsWith("bank:")) return "Arhan Financial";
  return text;
}

/** A small muted note after a status badge when the payment was reversed ("" otherwise). */
export function reversedNote(payment) {
  return payment.reversed_by ? h("span", { class: "small muted" }, ` reversed by ${payment.reversed_by}`) : "";
}

export function transactionsTable(items, { account, extra = [] } = {}) {
  const columns = [
    { label: "Date", value: (t) => dateTime(t.created_at) },
    {
      label: "Details",
      value: (t) =>
        h(
          "span",
          {},
          h("strong", {}, kindLabel(t.kind)),
          t.description && t.description !== kindLabel(t.kind) ? ` · ${t.description}` : "",
          t.counterparty ? h("span", { class: "small muted" }, ` · ${t.direction === "credit" ? "from" : "to"} ${counterpartyText(t.counterparty)}`) : "",
          t.decline_code ? h("span", { class: "small muted" }, ` · declined: ${t.decline_code}`) : "",
        ),
    },
    ...(account ? [{ label: "Account", value: (t) => h("span", { class: "mono" }, t.account || "") }] : []),
    { label: "Status", value: (t) => [badge(t.status), reversedNote(t)] },
    { label: "Amount", num: true, value: (t) => signedAmount(t.amount, t.direction) },
    ...extra,
  ];
  return table(columns, items, { caption: "Transactions", empty: "No transactions yet." });
}
