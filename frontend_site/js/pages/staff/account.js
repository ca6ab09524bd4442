// One account as staff see it: balances, state changes with a reason, PIN unlock, its cards (masked;
// block, unblock, order a replacement), transactions with reversal, and the audit trail. Closing an
// account with a balance and reversals are proposed for a second staff member (four eyes).

import { get, post, q } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime, groupDigits, money } from "../../format.js";
import { navigate } from "../../nav.js";
import { badge, errorBox, facts, field, flash, form, FormError, input, link, load, loading, pageHead, table } from "../../ui.js";
import { transactionsTable } from "../common.js";
import { reverseControl } from "./reversal.js";
import { isProposal, openProposals, pendingNote, proposalsBy, proposedNotice } from "./proposals.js";

export async function staffAccountPage(view, { number }) {
  const back = `/staff/accounts/${number}`;
  const box = h("div", {}, loading());
  view.append(box);
  let account;
  let pending;
  try {
    [account, pending] = await Promise.all([get(`/accounts/${q(number)}`), openProposals().catch(() => [])]);
  } catch (error) {
    replace(box, pageHead(`Account ${number}`), errorBox(error));
    return;
  }
  const closing = proposalsBy(pending, "account_closure", "account_number").get(account.account_number);
  const reversals = proposalsBy(pending, "reversal", "payment_id");
  const actions = h("section", { class: "panel", "aria-labelledby": "actions-title" }, h("h2", { id: "actions-title" }, "Actions"));
  const reasonAction = (label, path, notice, danger = false) => {
    const reason = input("reason", { maxlength: "200", required: true });
    const action = form(
      [field("Reason", reason)],
      async (values) => {
        if (!values.reason) throw new FormError("reason", "A reason is required; it goes into the audit trail.");
        const answer = await post(path, { reason: values.reason });
        // 202: a second staff member must approve it (e.g. closing an account that holds money).
        if (isProposal(answer)) flash(proposedNotice(answer), "info");
        else flash(notice);
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
    if (closing) actions.append(h("p", {}, pendingNote(closing)));
    else actions.append(reasonAction("Close account", `/staff/accounts/${q(number)}/close`, "Account closed.", true));
    actions.append(reasonAction("Unlock the PIN", `/staff/accounts/${q(number)}/pin-unlock`, "PIN attempts reset."));
  }
  const cardsBox = h("section", { class: "panel", "aria-labelledby": "cards-title" }, h("h2", { id: "cards-title" }, "Cards"), loading());
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
    cardsBox,
    txBox,
    auditBox,
  );
  load(cardsBox, () => get(`/accounts/${q(number)}/cards?limit=50`), (r) => [h("h2", { id: "cards-title" }, "Cards"), staffCards(r.items || [], back)]);
  load(txBox, () => get(`/accounts/${q(number)}/transactions?limit=50`), (r) => [
    h("h2", { id: "tx-title" }, "Transactions"),
    transactionsTable(r.items || [], { extra: [{ label: "", value: (t) => (t.direction === "debit" ? reverseControl(t, back, reversals.get(t.payment_id)) : "") }] }),
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

const BLOCKERS = { customer: "the customer", staff: "staff", system: "too many wrong tries" };

/** The account's cards as staff see them: masked only; block, unblock and order a replacement. */
function staffCards(cards, back) {
  const rows = [...cards].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  return table(
    [
      { label: "Card", value: (c) => h("span", { class: "mono", "data-testid": "staff-masked-pan" }, groupDigits(c.masked_pan)) },
      { label: "Expires", value: (c) => `${String(c.expiry_month).padStart(2, "0")}/${String(c.expiry_year).slice(-2)}` },
      {
        label: "State",
        value: (c) => [
          badge(c.state),
          c.state === "blocked" ? h("span", { class: "small muted" }, ` by ${BLOCKERS[c.blocked_by] || c.blocked_by || "?"}${c.block_reason ? ` · ${c.block_reason}` : ""}`) : "",
          c.replaced_by ? h("span", { class: "small muted" }, ` → ${c.replaced_by}`) : "",
        ],
      },
      { label: "Issued", value: (c) => dateTime(c.created_at) },
      { label: "", value: (c) => cardActions(c, back) },
    ],
    rows,
    { caption: "Cards", empty: "This account has no card.", rowClass: (c) => (c.state === "replaced" ? "muted" : "") },
  );
}

function cardActions(card, back) {
  if (card.state === "replaced") return "";
  const action = (label, verb, notice, danger = false) => {
    const reason = input("reason", { maxlength: "200", required: true });
    const doer = form(
      [field("Reason", reason)],
      async (values) => {
        if (!values.reason) throw new FormError("reason", "A reason is required; it goes into the audit trail.");
        const answer = await post(`/staff/cards/${q(card.card_id)}/${verb}`, { reason: values.reason });
        flash(notice(answer));
        navigate(back);
      },
      { submitLabel: label, busyLabel: "Working…" },
    );
    if (danger) doer.submitButton.classList.add("danger");
    return h("details", { "data-card-action": verb }, h("summary", {}, label), doer);
  };
  return h(
    "div",
    { "data-card": card.card_id },
    card.state === "active" ? action("Block card", "block", () => `Card ${groupDigits(card.masked_pan)} blocked; only staff can unblock it.`, true) : null,
    card.state === "blocked" ? action("Unblock card", "unblock", () => `Card ${groupDigits(card.masked_pan)} unblocked.`) : null,
    action("Order a replacement", "replace", (fresh) => `New card ${groupDigits(fresh.masked_pan)} ordered; the old one no longer works. The owner sees its number and CVV with their card PIN.`),
  );
}
