// Transfer: fill in → review → send. One Idempotency-Key per attempt: a double click or a retry after
// a network failure re-sends the same key (the bank answers it once); a definitive answer ends the attempt.

import { ApiError, newIdempotencyKey, post } from "../api.js";
import { h, replace } from "../dom.js";
import { aboutMinutes, money, parseNaira, nairaInput } from "../format.js";
import { hashQuery } from "../nav.js";
import { bankRules } from "../rules.js";
import { myAccounts } from "../state.js";
import { errorBox, facts, field, form, FormError, input, link, loading, pageHead, pinInput, amountInput } from "../ui.js";
import { accountSelect } from "./common.js";

export async function transferPage(view) {
  view.append(pageHead("Send money"));
  const box = h("div", { class: "panel narrow" }, loading());
  view.append(box);
  const [accounts, rules] = await Promise.all([myAccounts(), bankRules()]);
  const minimum = rules.transfers.min_amount;
  const active = accounts.filter((a) => a.state === "active");
  if (!active.length) {
    replace(box, h("p", {}, "You need an active account to send money."), link("#/open-account", "Open an account", "btn"));
    return;
  }
  let draft = { from_account: hashQuery().get("from") || active[0].account_number, to_account: "", amount: "", description: "" };
  showForm();

  function showForm(error) {
    const from = accountSelect(accounts, { name: "from_account", selected: draft.from_account });
    const to = input("to_account", { inputmode: "numeric", pattern: "\\d{10}", maxlength: "10", autocomplete: "off", required: true, value: draft.to_account, placeholder: "10-digit account number" });
    const amount = amountInput("amount", { value: draft.amount });
    const description = input("description", { maxlength: "140", value: draft.description, placeholder: "What is it for?" });
    const entry = form(
      [
        field("From", from),
        field("To account number", to),
        field("Amount (₦)", amount, { hint: `At least ${money(minimum)}.` }),
        field("Description", description, { hint: "Optional; the recipient sees it." }),
      ],
      async (values) => {
        if (!/^\d{10}$/.test(values.to_account)) throw new FormError("to_account", "Enter the 10-digit account number.");
        if (values.to_account === values.from_account) throw new FormError("to_account", "Choose an account other than the one you send from.");
        const kobo = parseNaira(values.amount);
        if (kobo === null || kobo <= 0) throw new FormError("amount", "Enter an amount like 1500 or 1,500.50.");
        if (kobo < minimum) throw new FormError("amount", `The smallest transfer is ${money(minimum)}.`);
        const source = accounts.find((a) => a.account_number === values.from_account);
        if (source && kobo > Number(source.available_balance)) throw new FormError("amount", `That is more than the ${money(source.available_balance)} available.`);
        draft = { from_account: values.from_account, to_account: values.to_account, amount: nairaInput(kobo), description: values.description };
        showReview({ ...draft, kobo });
      },
      { submitLabel: "Review transfer" },
    );
    replace(box, entry);
    if (error) entry.prepend(errorBox(error));
    to.focus();
  }

  function showReview(attempt) {
    // One attempt = one key: retries of exactly this request (after a timeout or a lost connection)
    // re-send the same key, and the bank answers them with the first result. Once the bank has
    // definitely answered, or the body changes (a corrected PIN), the next send is a new attempt.
    let attemptKey = newIdempotencyKey();
    let pendingBody = null;
    const pin = pinInput("pin");
    const outcome = h("div");
    const body = () => ({
      from_account: attempt.from_account,
      to_account: attempt.to_account,
      amount: attempt.kobo,
      pin: pin.value,
      description: attempt.description,
    });
    const edit = h("button", { type: "button", class: "btn secondary", onclick: () => showForm() }, "Change details");
    const confirm = form(
      [
        h("h2", {}, "Check and confirm"),
        facts([
          ["From", h("span", { class: "mono" }, attempt.from_account)],
          ["To", h("span", { class: "mono" }, attempt.to_account)],
          ["Amount", h("strong", {}, money(attempt.kobo))],
          attempt.description ? ["Description", attempt.description] : null,
        ]),
        field("Account PIN", pin),
        outcome,
      ],
      async () => {
        if (!/^\d{4}$/.test(pin.value)) throw new FormError("pin", "Enter your 4-digit account PIN.");
        const request = body();
        if (pendingBody && JSON.stringify(pendingBody) !== JSON.stringify(request)) attemptKey = newIdempotencyKey();
        pendingBody = request;
        try {
          const payment = await post("/transfers", request, { headers: { "Idempotency-Key": attemptKey } });
          showReceipt(payment);
        } catch (error) {
          if (error instanceof ApiError && error.definitive) {
            attemptKey = newIdempotencyKey();
            pendingBody = null;
          }
          if (error instanceof ApiError && error.code === "pin_invalid") {
            pin.value = "";
            const left = Number(error.problem.tries_left);
            const tries = Number.isFinite(left) ? ` — ${left} ${left === 1 ? "try" : "tries"} left` : "";
            throw new FormError("pin", `Wrong PIN${tries}. Too many wrong PINs lock it for a while.`);
          }
          if (error instanceof ApiError && error.code === "pin_locked") {
            pin.value = "";
            const seconds = Number(error.problem.retry_after_seconds) || 0;
            throw new FormError("pin", `Too many wrong PINs: your PIN is locked for ${aboutMinutes(seconds)}. Try again later, or ask us through Support.`);
          }
          throw error;
        }
      },
      { submitLabel: `Send ${money(attempt.kobo)}`, busyLabel: "Sending…", extraActions: [edit] },
    );
    replace(box, confirm);
    pin.focus();
  }

  function showReceipt(payment) {
    const again = h("button", { type: "button", class: "btn secondary" }, "Send another");
    again.addEventListener("click", () => {
      draft = { from_account: payment.from_account, to_account: "", amount: "", description: "" };
      showForm();
    });
    const declined = payment.status && payment.status !== "completed";
    replace(
      box,
      h(
        "div",
        { class: `alert ${declined ? "error" : "ok"}`, role: "status", "data-testid": "transfer-result" },
        h("h2", {}, declined ? "The transfer was declined" : "Money sent"),
        facts([
          ["Amount", money(payment.amount)],
          ["To", h("span", { class: "mono" }, payment.to_account)],
          ["Status", payment.status],
          payment.decline_code ? ["Reason", payment.decline_code] : null,
          ["Reference", h("span", { class: "mono small" }, payment.payment_id)],
        ]),
      ),
      h("div", { class: "actions" }, link("#/dashboard", "Back to dashboard", "btn"), again),
    );
    box.querySelector("a").focus();
  }
}

