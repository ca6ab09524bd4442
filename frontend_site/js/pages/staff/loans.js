// The loan queue: staff approve (money is disbursed) or reject, always with a reason.

import { get, post, q } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime, money } from "../../format.js";
import { navigate, hashQuery } from "../../nav.js";
import { badge, errorBox, field, flash, form, FormError, input, load, pageHead, select } from "../../ui.js";
import { scheduleTable } from "../loans.js";

const STATUSES = ["pending", "active", "rejected", "paid_off"];

export async function loanQueuePage(view) {
  const status = hashQuery().get("status") || "pending";
  const filter = select("status", STATUSES.map((s) => ({ value: s, label: s.replace("_", " "), selected: s === status })), { "aria-label": "Show loans that are" });
  filter.addEventListener("change", () => navigate(`/staff/loans?status=${filter.value}`));
  const box = h("div");
  view.append(pageHead("Loan queue", h("label", { class: "row" }, "Show ", filter)), box);
  load(box, () => get(`/staff/loans?status=${q(status)}&limit=100`), (result) => {
    const items = result.items || [];
    items.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    if (!items.length) return h("p", { class: "panel empty" }, status === "pending" ? "No applications are waiting." : "No loans in this state.");
    return items.map((loan) => loanPanel(loan, status));
  });
}

function loanPanel(loan, status) {
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
      await post(`/staff/loans/${q(loan.loan_id)}/decision`, { decision, reason: values.reason });
      flash(decision === "approve" ? `Loan approved: ${money(loan.amount)} paid into ${loan.account_number}.` : "Loan rejected.");
      navigate(`/staff/loans?status=${status}`);
    };
    const decisionForm = form([field("Reason", reason)], (values) => decide("approve", values), { submitLabel: "Approve", busyLabel: "Approving…", extraActions: [reject] });
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
