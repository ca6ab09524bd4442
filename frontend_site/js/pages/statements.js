// Statements from the ledger for a date range, on screen and as a CSV download.

import { get, q } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime, isoDay, kindLabel, money } from "../format.js";
import { hashQuery } from "../nav.js";
import { myAccounts } from "../state.js";
import { busy, errorBox, facts, field, form, FormError, input, link, loading, pageHead, table } from "../ui.js";
import { accountSelect, counterpartyText } from "./common.js";

export async function statementsPage(view) {
  view.append(pageHead("Statements"));
  const box = h("section", { class: "panel" }, loading());
  const result = h("section", { "aria-live": "polite" });
  view.append(box, result);
  const accounts = await myAccounts();
  if (!accounts.length) {
    replace(box, h("p", {}, "You have no account yet."), link("#/open-account", "Open an account", "btn"));
    return;
  }
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 30 * 86_400_000);
  const account = accountSelect(accounts, { onlyActive: false, selected: hashQuery().get("account") });
  const from = input("from", { type: "date", value: isoDay(monthAgo), max: isoDay(today), required: true });
  const to = input("to", { type: "date", value: isoDay(today), max: isoDay(today), required: true });
  const download = h("button", { type: "button", class: "btn secondary" }, "Download CSV");
  const period = () => {
    const values = { account: account.value, from: from.value, to: to.value };
    if (!values.from) throw new FormError("from", "Choose the first day.");
    if (!values.to) throw new FormError("to", "Choose the last day.");
    if (values.from > values.to) throw new FormError("to", "The last day must be after the first.");
    return values;
  };
  const chooser = form(
    [h("div", { class: "form-row three" }, field("Account", account), field("From", from), field("To (inclusive)", to))],
    async () => {
      const values = period();
      replace(result, h("div", { class: "panel" }, loading("Building the statement…")));
      const statement = await get(`/accounts/${q(values.account)}/statement?from=${q(values.from)}&to=${q(values.to)}&limit=100`);
      renderStatement(result, statement, values);
    },
    { submitLabel: "Show statement", busyLabel: "Loading…", extraActions: [download] },
  );
  download.addEventListener("click", () =>
    busy(download, async () => {
      chooser.querySelector(":scope > .alert")?.remove();
      let values;
      try {
        values = period();
        const csv = await get(`/accounts/${q(values.account)}/statement?from=${q(values.from)}&to=${q(values.to)}`, { accept: "text/csv" });
        saveFile(`statement-${values.account}-${values.from}-${values.to}.csv`, csv, "text/csv");
      } catch (error) {
        chooser.prepend(error instanceof FormError ? h("div", { class: "alert error", role: "alert" }, error.message) : errorBox(error));
      }
    }, "Preparing…"),
  );
  replace(box, chooser);
}

function saveFile(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const anchor = h("a", { href: url, download: name, class: "visually-hidden" }, name);
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function renderStatement(box, statement, values) {
  const entries = [...(statement.entries || [])];
  const tableBox = h("div");
  const more = h("button", { type: "button", class: "btn secondary small", hidden: !statement.next_cursor }, "Load more");
  let cursor = statement.next_cursor;
  const draw = () =>
    replace(
      tableBox,
      table(
        [
          { label: "Date", value: (e) => dateTime(e.committed_at || e.posted_at) },
          { label: "Details", value: (e) => h("span", {}, h("strong", {}, kindLabel(e.kind)), e.description && e.description !== kindLabel(e.kind) ? ` · ${e.description}` : "", e.counter_account ? h("span", { class: "small muted" }, ` · ${counterpartyText(e.counter_account)}`) : "") },
          { label: "Money out", num: true, value: (e) => (e.side === "debit" ? money(e.amount) : "") },
          { label: "Money in", num: true, value: (e) => (e.side === "credit" ? money(e.amount) : "") },
          { label: "Balance", num: true, value: (e) => money(e.balance) },
        ],
        entries,
        { caption: "Statement entries", empty: "No entries in this period." },
      ),
    );
  more.addEventListener("click", () =>
    busy(more, async () => {
      const page = await get(`/accounts/${q(values.account)}/statement?from=${q(values.from)}&to=${q(values.to)}&limit=100&cursor=${q(cursor)}`);
      entries.push(...(page.entries || []));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      draw();
    }),
  );
  draw();
  replace(
    box,
    h(
      "div",
      { class: "panel", "data-testid": "statement" },
      h("h2", {}, `Statement for ${statement.account_number}`),
      facts([
        ["Period", `${dateTime(statement.from)} – ${dateTime(statement.to)}`],
        ["Opening balance", money(statement.opening_balance)],
        ["Closing balance", h("strong", {}, money(statement.closing_balance))],
        ["Net movement", money(statement.net_movement)],
      ]),
      tableBox,
      more,
    ),
  );
}
