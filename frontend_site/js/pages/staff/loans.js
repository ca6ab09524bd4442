// The loan queue: staff approve (money is disbursed) or reject, always with a reason. An approval above
// the bank's four-eyes amount comes back as a proposal (202) that a second staff member approves.

import { get, post, q } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime, money } from "../../format.js";
import { navigate, hashQuery } from "../../nav.js";
import { badge, errorBox, field, flash, form, FormError, input, load, pageHead, select } from "../../ui.js";
import { scheduleTable } from "../loans.js";
import { isProposal, openProposals, pendingNote, proposalsBy, proposedNotice } from "./proposals.js";

const STATUSES = ["pending", "active", "rejected", "paid_off"];

export async function loanQueuePage(view) {
  const status = hashQuery().get("status") || "pending";
  const filter = select("status", STATUSES.map((s) => ({ value: s, label: s.replace("_", " "), selected: s === status })), { "aria-label": "Show loans that are" });
  filter.addEventListener("change", () => navigate(`/staff/loans?status=${filter.value}`));
  const box = h("div");
  view.append(pageHead("Loan queue", h("label", { class: "row" }, "Show ", filter)), box);
  const loader = async () => {
    const [page, pending] = await Promise.all([get(`/staff/loans?status=${q(status)}&limit=100`), status === "pending" ? openProposals().catch(() => []) : []]);
    return { items: page.items || [], approvals: proposalsBy(pending, "loan_approval", "loan_id") };
  };
  load(box, loader, ({ items, approvals }) => {
    items.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    if (!items.length) return h("p", { class: "panel empty" }, status === "pending" ? "No applications are waiting." : "No loans in this state.");
    return items.map((loan) => loanPanel(loan, status, approvals.get(loan.loan_id)));
  });
}

function loanPanel(loan, status, proposal) {
  const panel = h(
    "article",
    { class: "panel", "data-loan": loan.loan_id },
    h("div", { class: "row" }, h("h2", {}, `${money(loan.amount)} over ${loan.months} month${loan.months === 1 ? "" : "s"}`), badge(loan.status)),
    h(
      "p",
      { class: "small muted" },
      "Customer ",
      h("a", { href: `#/staff/customers/${loan.owner_id}`, class: "mono" }, loan.owner_id),
      " · account ",
      h("a", { href: `#/staff/accounts/${loan.account_number}`, class: "mono" }, loan.account_number),
      ` · applied ${dateTime(loan.created_at)}`,
    ),
    h("p", {}, `Repayable ${money(loan.repayable)} (interest ${money(loan.interest)}); outstanding ${money(loan.outstanding)}.`),
    loan.reason ? h("p", {}, `Decision note: ${loan.reason}`) : null,
    h("details", {}, h("summary", {}, "Schedule"), scheduleTable(loan.schedule || [])),
  );
  if (loan.status === "pending") {
    const reason = input("reason", { maxlength: "200", required: true, placeholder: "e.g. income verified" });
    const reject = h("button", { type: "button", class: "btn danger" }, "Reject");
    const decide = async (decision, values) => {
      if (!values.reason) throw new FormError("reason", "Give a reason; the customer sees it.");
      const answer = await post(`/staff/loans/${q(loan.loan_id)}/decision`, { decision, reason: values.reason });
      if (isProposal(answer)) flash(proposedNotice(answer), "info");
      else flash(decision === "approve" ? `Loan approved: ${money(loan.amount)} paid into ${loan.account_number}.` : "Loan rejected.");
      navigate(`/staff/loans?status=${status}`);
    };
    // While an approval waits for a second staff member, this loan can only be rejected here.
    const decisionForm = proposal
      ? form([field("Reason", reason)], (values) => decide("reject", values), { submitLabel: "Reject", busyLabel: "Rejecting…" })
      : form([field("Reason", reason)], (values) => decide("approve", values), { submitLabel: "Approve", busyLabel: "Approving…", extraActions: [reject] });
    if (proposal) {
      decisionForm.submitButton.classList.add("danger");
      panel.append(h("p", {}, pendingNote(proposal)));
    }
    reject.addEventListener("click", async () => {
      reject.disabled = true;
      try {
        await decide("reject", { reason: reason.value.trim() });
      } catch (error) {
        decisionForm.querySelector(":scope > .alert")?.remove();
        decisionForm.prepend(errorBox(error));
      } finally {
        reject.disabled = false;
      }
    });
    panel.append(decisionForm);
  }
  return panel;
}
