// Approvals: the four-eyes queue. Every open proposal with what it would do, who proposed it and until
// when it can be approved; another staff member approves (the action runs then, as the approver) or
// rejects it with a reason. A proposer cannot approve their own proposal (the API refuses it with
// second_staff_required), but may withdraw it. Also here: proposing the savings interest run.

import { ApiError, post, q } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime, money } from "../../format.js";
import { state } from "../../state.js";
import { badge, busy, errorBox, facts, field, form, FormError, input, load, pageHead, problemAlert, showNotice } from "../../ui.js";
import { isProposal, kindLabel, openProposals, proposedNotice } from "./proposals.js";

export async function approvalsPage(view) {
  const outcome = h("div", { "aria-live": "polite" });
  const list = h("section", { "aria-labelledby": "queue-title" });
  const interest = h("section", { class: "panel narrow", "aria-labelledby": "interest-title" });
  view.append(
    pageHead("Approvals"),
    h("p", { class: "muted" }, "Actions that move the bank's money need a second staff member: one proposes, another approves."),
    outcome,
    list,
    interest,
  );
  const reload = () =>
    load(list, openProposals, (items) => [
      h("h2", { id: "queue-title" }, `Waiting for approval (${items.length})`),
      items.length ? items.map((proposal) => proposalPanel(proposal, outcome, reload)) : h("p", { class: "panel empty" }, "Nothing is waiting for a second pair of eyes."),
    ]);
  renderInterest(interest, outcome, reload);
  reload();
}

function accountLink(number) {
  return number ? h("a", { href: `#/staff/accounts/${number}`, class: "mono" }, number) : "—";
}

function targetOf(proposal) {
  const [type, id] = String(proposal.target || "").split(/:(.*)/s);
  if (type === "account") return accountLink(id);
  if (type === "loan") return h("a", { href: "#/staff/loans", class: "mono" }, `loan ${id}`);
  if (type === "payment") return h("span", { class: "mono" }, `payment ${id}`);
  if (type === "interest") return `savings interest for ${id}`;
  return h("span", { class: "mono" }, proposal.target);
}

function detailsOf(proposal) {
  const d = proposal.details || {};
  switch (proposal.kind) {
    case "reversal":
      return [["Amount", money(d.amount)], ["Back from", accountLink(d.to_account)], ["To", accountLink(d.from_account)], ["Reason", d.reason || "—"]];
    case "loan_approval":
      return [["Loan amount", money(d.amount)], ["Paid into", accountLink(d.account_number)], ["Reason", d.reason || "—"]];
    case "account_closure":
      return [["Balance paid out to the owner", money(d.balance)], ["Account", accountLink(d.account_number)], ["Reason", d.reason || "—"]];
    case "interest_run":
      return [["Month", d.month || "—"]];
    default:
      return Object.entries(d).map(([key, value]) => [key.replace(/_/g, " "), typeof value === "object" ? JSON.stringify(value) : String(value)]);
  }
}

function proposalPanel(proposal, outcome, reload) {
  const mine = Boolean(state.me && proposal.proposed_by === state.me.user_id);
  const approve = h("button", { type: "button", class: "btn", disabled: mine, "aria-describedby": mine ? `own-${proposal.proposal_id}` : null }, "Approve");
  const reason = input("reason", { maxlength: "200", required: true, placeholder: mine ? "Why withdraw it?" : "Why reject it?" });
  const message = h("div");
  const reject = form(
    [field("Reason", reason)],
    async (values) => {
      if (!values.reason) throw new FormError("reason", "A reason is required; it goes into the audit trail.");
      const decided = await post(`/staff/proposals/${q(proposal.proposal_id)}/reject`, { reason: values.reason });
      replace(outcome, h("div", { class: "alert info", role: "status", "data-testid": "approval-outcome" }, `${kindLabel(decided.kind)} ${mine ? "withdrawn" : "rejected"} (proposal ${decided.proposal_id}).`));
      reload();
    },
    { submitLabel: mine ? "Withdraw" : "Reject", busyLabel: "Rejecting…" },
  );
  reject.submitButton.classList.add("danger");
  approve.addEventListener("click", () =>
    busy(approve, async () => {
      message.replaceChildren();
      try {
        const done = await post(`/staff/proposals/${q(proposal.proposal_id)}/approve`, {});
        replace(outcome, approvedBox(done));
        reload();
      } catch (error) {
        if (error instanceof ApiError && error.code === "second_staff_required") {
          replace(message, problemAlert("You proposed this yourself: another staff member must approve it (four eyes).", error));
          return;
        }
        if (error instanceof ApiError && error.definitive) {
          // The action was refused (the proposal is now failed) or the proposal changed: say why, reload.
          replace(outcome, errorBox(error));
          reload();
        } else {
          replace(message, errorBox(error)); // not decided yet: approving again finishes it
        }
      }
    }, "Approving…"),
  );
  return h(
    "article",
    { class: "panel", "data-proposal": proposal.proposal_id, "data-kind": proposal.kind },
    h("div", { class: "row" }, h("h3", {}, kindLabel(proposal.kind)), badge(proposal.status), h("span", { class: "small muted mono" }, proposal.proposal_id)),
    facts([
      ["Target", targetOf(proposal)],
      ...detailsOf(proposal),
      ["Proposed by", proposal.proposed_by_username || proposal.proposed_by],
      ["Proposed", dateTime(proposal.proposed_at)],
      ["Approve before", dateTime(proposal.expires_at)],
    ]),
    mine ? h("p", { class: "alert info", id: `own-${proposal.proposal_id}`, "data-testid": "own-proposal" }, "You proposed this: another staff member must approve it.") : null,
    message,
    h("div", { class: "actions" }, approve),
    h("details", {}, h("summary", {}, mine ? "Withdraw this proposal" : "Reject this proposal"), reject),
  );
}

function approvedBox(done) {
  const result = done.result || {};
  const lines = [];
  if (done.kind === "reversal" && result.amount !== undefined) lines.push(`${money(result.amount)} returned${result.payment_id ? ` (reference ${result.payment_id})` : ""}.`);
  if (done.kind === "interest_run" && result.total !== undefined) lines.push(`${money(result.total)} paid to ${result.paid ?? 0} savings account(s) for ${result.month}.`);
  if (done.kind === "loan_approval" && result.amount !== undefined) lines.push(`${money(result.amount)} paid into ${result.account_number}.`);
  if (done.kind === "account_closure" && result.account_number) lines.push(`Account ${result.account_number} is ${result.state}; its balance was paid out to the owner.`);
  return h(
    "div",
    { class: "alert ok", role: "status", "data-testid": "approval-outcome" },
    h("strong", {}, `Approved: ${kindLabel(done.kind).toLowerCase()} carried out (proposal ${done.proposal_id}, proposed by ${done.proposed_by_username}).`),
    lines.map((line) => h("p", {}, line)),
  );
}

/** The month that just ended, in UTC (the API decides which month may run and says so if not). */
function lastMonth() {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  first.setUTCMonth(first.getUTCMonth() - 1);
  return first.toISOString().slice(0, 7);
}

function renderInterest(box, outcome, reload) {
  const month = input("month", { type: "month", value: lastMonth(), required: true, pattern: "\\d{4}-\\d{2}" });
  const proposer = form(
    [field("Month", month, { hint: "Only the month just ended, if its scheduled run did not complete." })],
    async (values) => {
      if (!/^\d{4}-\d{2}$/.test(values.month)) throw new FormError("month", "A month like 2026-11.");
      const proposal = await post("/staff/interest-runs", { month: values.month });
      if (isProposal(proposal)) replace(outcome, h("div", { class: "alert info", role: "status" }, proposedNotice(proposal)));
      else showNotice("Interest run requested.");
      reload();
    },
    { submitLabel: "Propose the interest run", busyLabel: "Proposing…" },
  );
  replace(box, h("h2", { id: "interest-title" }, "Savings interest"), h("p", { class: "small muted" }, "Pays the month's interest to every active savings account once a second staff member approves."), proposer);
}
