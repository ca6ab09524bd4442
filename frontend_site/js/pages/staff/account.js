// One account as staff see it: balances, state changes with a reason, PIN unlock, transactions with
// reversal, and the audit trail of staff actions on it.

import { get, post, q } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime, money } from "../../format.js";
import { navigate } from "../../nav.js";
import { badge, errorBox, facts, field, flash, form, FormError, input, link, load, loading, pageHead, table } from "../../ui.js";
import { transactionsTable } from "../common.js";
import { reverseControl } from "./reversal.js";

export async function staffAccountPage(view, { number }) {
  const back = `/staff/accounts/${number}`;
  const box = h("div", {}, loading());
  view.append(box);
  let account;
  try {
    account = await get(`/accounts/${q(number)}`);
  } catch (error) {
    replace(box, pageHead(`Account ${number}`), errorBox(error));
    return;
  }
  const actions = h("section", { class: "panel", "aria-labelledby": "actions-title" }, h("h2", { id: "actions-title" }, "Actions"));
  const reasonAction = (label, path, notice, danger = false) => {
    const reason = input("reason", { maxlength: "200", required: true });
    const action = form(
      [field("Reason", reason)],
      async (values) => {
        if (!values.reason) throw new FormError("reason", "A reason is required; it goes into the audit trail.");
        await post(path, { reason: values.reason });
        flash(notice);
        navigate(back);
      },
      { submitLabel: label, busyLabel: "Working…" },
    );
    if (danger) action.submitButton.classList.add("danger");
    return h("details", {}, h("summary", {}, label), action);
  };
  if (account.state === "active") actions.append(reasonAction("Block account", `/staff/accounts/${q(number)}/block`, "Account blocked.", true));
  if (account.state === "blocked") actions.append(reasonAction("Unblock account", `/staff/accounts/${q(number)}/unblock`, "Account unblocked."));
  if (account.state !== "closed") {
    actions.append(reasonAction("Close account", `/staff/accounts/${q(number)}/close`, "Account closed.", true));
    actions.append(reasonAction("Unlock the PIN", `/staff/accounts/${q(number)}/pin-unlock`, "PIN attempts reset."));
  }
  const txBox = h("section", { class: "panel", "aria-labelledby": "tx-title" }, h("h2", { id: "tx-title" }, "Transactions"), loading());
  const auditBox = h("section", { class: "panel", "aria-labelledby": "audit-title" });
  replace(
    box,
    pageHead(`Account ${account.account_number}`, link(`#/staff/customers/${account.owner_id}`, "Owner", "btn secondary")),
    h(
      "section",
      { class: "panel" },
      facts([
        ["Type", account.type],
        ["State", badge(account.state)],
        account.block_reason ? ["Block reason", `${account.block_reason} (by ${account.blocked_by || "?"})`] : null,
        ["Available balance", money(account.available_balance)],
        ["Ledger balance", money(account.ledger_balance)],
        ["Owner", h("a", { href: `#/staff/customers/${account.owner_id}`, class: "mono" }, account.owner_id)],
        ["Opened", dateTime(account.created_at)],
      ]),
    ),
    actions,
    txBox,
    auditBox,
  );
  load(txBox, () => get(`/accounts/${q(number)}/transactions?limit=50`), (r) => [
    h("h2", { id: "tx-title" }, "Transactions"),
    transactionsTable(r.items || [], { extra: [{ label: "", value: (t) => (t.direction === "debit" ? reverseControl(t, back) : "") }] }),
  ]);
  load(auditBox, () => get(`/staff/audit?target=${q(`account:${number}`)}`), (r) => [
    h("h2", { id: "audit-title" }, "Audit trail"),
    table(
      [
        { label: "When", value: (e) => dateTime(e.at) },
        { label: "Action", value: (e) => e.action },
        { label: "By", value: (e) => e.actor_username || e.actor_id },
        { label: "Reason", value: (e) => e.reason || "" },
      ],
      r.items || [],
      { caption: "Audit trail", empty: "No staff actions on this account." },
    ),
  ]);
}
