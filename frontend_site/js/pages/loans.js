// Loans: the schedule is shown (GET /loans/quote) before the customer applies; repayments carry an
// Idempotency-Key per attempt like transfers.

import { ApiError, get, newIdempotencyKey, post, q } from "../api.js";
import { h, replace } from "../dom.js";
import { dateOnly, dateTime, money, moneyWhole, nairaInput, parseNaira } from "../format.js";
import { myAccounts } from "../state.js";
import { amountInput, badge, facts, field, flash, form, FormError, link, loading, pageHead, select, table } from "../ui.js";
import { accountSelect } from "./common.js";
import { navigate } from "../nav.js";
import { bankRules } from "../rules.js";

const OPEN = new Set(["pending", "active"]);

export function scheduleTable(schedule) {
  return table(
    [
      { label: "Instalment", value: (i) => `#${i.number}` },
      { label: "Due", value: (i) => (i.due_date ? dateOnly(i.due_date) : "monthly after approval") },
      { label: "Amount", num: true, value: (i) => money(i.amount) },
    ],
    schedule,
    { caption: "Repayment schedule" },
  );
}

export function loanSummary(loan) {
  return facts([
    ["Amount", money(loan.amount)],
    ["Term", `${loan.months} month${loan.months === 1 ? "" : "s"} at ${loan.rate_percent}% flat`],
    ["Interest", money(loan.interest)],
    ["Total to repay", money(loan.repayable)],
    loan.repaid !== undefined ? ["Repaid", money(loan.repaid)] : null,
    loan.outstanding !== undefined ? ["Outstanding", h("strong", {}, money(loan.outstanding))] : null,
    loan.account_number ? ["Account", h("span", { class: "mono" }, loan.account_number)] : null,
    loan.reason ? ["Decision note", loan.reason] : null,
    loan.created_at ? ["Applied", dateTime(loan.created_at)] : null,
  ]);
}

export async function loansPage(view) {
  const listBox = h("section", { "aria-labelledby": "loans-title" }, loading("Loading your loans…"));
  const applyBox = h("section", { class: "panel", "aria-labelledby": "apply-title" });
  view.append(pageHead("Loans"), listBox, applyBox);
  const [accounts, loans, rules] = await Promise.all([myAccounts(), get("/loans?limit=50").then((r) => r.items || []), bankRules()]);
  loans.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  replace(
    listBox,
    h("h2", { id: "loans-title" }, "Your loans"),
    loans.length ? loans.map((loan) => loanPanel(loan, accounts)) : h("p", { class: "empty" }, "You have no loans."),
  );
  const open = loans.find((loan) => OPEN.has(loan.status));
  if (open) {
    replace(applyBox, h("h2", { id: "apply-title" }, "Apply for a loan"), h("p", { class: "muted" }, "You can have one open loan at a time; apply again once this one is paid off."));
    return;
  }
  if (!accounts.some((a) => a.state === "active")) {
    replace(applyBox, h("h2", { id: "apply-title" }, "Apply for a loan"), h("p", {}, "Open an account to receive a loan into."), link("#/open-account", "Open an account", "btn"));
    return;
  }
  renderApply(applyBox, accounts, rules.loans);
}

function loanPanel(loan, accounts) {
  const panel = h(
    "article",
    { class: "panel", "data-loan": loan.loan_id, "data-status": loan.status },
    h("div", { class: "row" }, h("h3", {}, `Loan of ${money(loan.amount)}`), badge(loan.status)),
    loanSummary(loan),
    h("details", { open: loan.status === "active" }, h("summary", {}, "Repayment schedule"), scheduleTable(loan.schedule || [])),
  );
  if (loan.status === "active") panel.append(repayForm(loan, accounts));
  return panel;
}

function repayForm(loan, accounts) {
  const paidSoFar = Number(loan.repaid);
  let cumulative = 0;
  let next = loan.outstanding;
  for (const instalment of loan.schedule || []) {
    cumulative += instalment.amount;
    if (cumulative > paidSoFar) {
      next = Math.min(cumulative - paidSoFar, loan.outstanding);
      break;
    }
  }
  let attemptKey = newIdempotencyKey();
  let pendingBody = null;
  const amount = amountInput("amount", { value: nairaInput(next) });
  return form(
    [h("h3", {}, "Make a repayment"), h("div", { class: "form-row two" }, field("From account", accountSelect(accounts)), field("Amount (₦)", amount, { hint: `Outstanding ${money(loan.outstanding)}.` }))],
    async (values) => {
      const kobo = parseNaira(values.amount);
      if (kobo === null || kobo <= 0) throw new FormError("amount", "Enter an amount.");
      if (kobo > loan.outstanding) throw new FormError("amount", `At most the ${money(loan.outstanding)} outstanding.`);
      const body = { account_number: values.account_number, amount: kobo };
      if (pendingBody && JSON.stringify(pendingBody) !== JSON.stringify(body)) attemptKey = newIdempotencyKey();
      pendingBody = body;
      try {
        const result = await post(`/loans/${q(loan.loan_id)}/repayments`, body, { headers: { "Idempotency-Key": attemptKey } });
        flash(result.loan && result.loan.status === "paid_off" ? "Thank you: the loan is paid off." : `Repayment of ${money(kobo)} received.`);
        navigate("/loans");
      } catch (error) {
        if (error instanceof ApiError && error.definitive) {
          attemptKey = newIdempotencyKey();
          pendingBody = null;
        }
        throw error;
      }
    },
    { submitLabel: "Repay", busyLabel: "Paying…" },
  );
}

/** The application form; `terms` are the bank's loan rules (GET /config: terms, rate, amounts). */
function renderApply(box, accounts, terms) {
  const preview = h("div", { "aria-live": "polite" });
  const amount = amountInput("amount", { placeholder: "e.g. 50000" });
  const offered = terms.terms_months;
  const preselected = offered[Math.floor(offered.length / 2)]; // a middle term (6 months of 1–24)
  const months = select("months", offered.map((m) => ({ value: String(m), label: `${m} month${m === 1 ? "" : "s"}`, selected: m === preselected })));
  const account = accountSelect(accounts);
  const quoteForm = form(
    [h("div", { class: "form-row three" }, field("Amount (₦)", amount, { hint: `${moneyWhole(terms.min_amount)} to ${moneyWhole(terms.max_amount)}.` }), field("Term", months), field("Pay into", account))],
    async (values) => {
      const kobo = parseNaira(values.amount);
      if (kobo === null || kobo <= 0) throw new FormError("amount", "Enter an amount like 50000.");
      const quote = await get(`/loans/quote?amount=${kobo}&months=${q(values.months)}`);
      showPreview(quote, values.account_number);
    },
    { submitLabel: "See the schedule", busyLabel: "Calculating…" },
  );
  amount.addEventListener("input", () => preview.replaceChildren());
  months.addEventListener("change", () => preview.replaceChildren());

  function showPreview(quote, accountNumber) {
    const apply = form(
      [h("h3", {}, "Your schedule"), loanSummary(quote), scheduleTable(quote.schedule || []), h("p", { class: "small muted" }, "Staff review every application; the money arrives in your account when it is approved.")],
      async () => {
        await post("/loans", { account_number: accountNumber, amount: quote.amount, months: quote.months });
        flash("Application received: we will review it shortly.");
        navigate("/loans");
      },
      { submitLabel: `Apply for ${money(quote.amount)}`, busyLabel: "Applying…" },
    );
    replace(preview, apply);
    apply.submitButton.focus();
  }

  replace(box, h("h2", { id: "apply-title" }, "Apply for a loan"), h("p", { class: "muted" }, `Flat ${terms.rate_percent}% interest; see every instalment before you apply.`), quoteForm, preview);
}

