// Merchant checkout: a customer who sells charges a buyer's card into one of their own accounts.
// Authorize holds the buyer's funds; capture (all or part) moves them; void releases the hold.

import { ApiError, newIdempotencyKey, post, q } from "../api.js";
import { navigate } from "../nav.js";
import { h, replace } from "../dom.js";
import { dateTime, money, nairaInput, parseNaira } from "../format.js";
import { myAccounts } from "../state.js";
import { amountInput, badge, errorBox, facts, field, form, FormError, input, link, loading, pageHead, pinInput } from "../ui.js";
import { accountSelect } from "./common.js";

export async function checkoutPage(view) {
  view.append(pageHead("Merchant checkout"), h("p", { class: "muted" }, "Take a card payment into your account: the buyer's funds are held first, then you capture them."));
  const box = h("div", { class: "panel narrow" }, loading());
  const result = h("div");
  view.append(box, result);
  const accounts = await myAccounts();
  if (!accounts.some((a) => a.state === "active")) {
    replace(box, h("p", {}, "You need an active account to receive card payments."), link("#/open-account", "Open an account", "btn"));
    return;
  }
  let attemptKey = newIdempotencyKey();
  let pendingFingerprint = null;
  const merchant = accountSelect(accounts, { name: "merchant_account" });
  const pan = input("pan", { inputmode: "numeric", autocomplete: "off", maxlength: "23", required: true, placeholder: "5061 2345 6789 0123" });
  const month = input("expiry_month", { inputmode: "numeric", maxlength: "2", placeholder: "MM", autocomplete: "off", required: true });
  const year = input("expiry_year", { inputmode: "numeric", maxlength: "4", placeholder: "YYYY", autocomplete: "off", required: true });
  const cvv = h("input", { name: "cvv", type: "password", inputmode: "numeric", maxlength: "3", autocomplete: "off", required: true, class: "pin" });
  const pin = pinInput("pin");
  const amount = amountInput("amount");
  const description = input("description", { maxlength: "140", placeholder: "Order or item" });
  const charge = form(
    [
      field("Pay into", merchant),
      h("div", { class: "form-row two" }, field("Amount (₦)", amount), field("Description", description)),
      h("h2", {}, "Buyer's card"),
      field("Card number", pan),
      h("div", { class: "form-row three" }, field("Expiry month", month), field("Expiry year", year), field("CVV", cvv)),
      field("Card PIN", pin, { hint: "The buyer types their card PIN." }),
    ],
    async (values, node) => {
      const digits = values.pan.replace(/[\s-]/g, "");
      if (!/^\d{12,19}$/.test(digits)) throw new FormError("pan", "Enter the card number (digits only).");
      const mm = Number(values.expiry_month);
      if (!(mm >= 1 && mm <= 12)) throw new FormError("expiry_month", "Month 1–12.");
      let yyyy = Number(values.expiry_year);
      if (yyyy < 100) yyyy += 2000;
      if (!(yyyy >= 2000 && yyyy < 2200)) throw new FormError("expiry_year", "A year like 2029.");
      if (!/^\d{3}$/.test(values.cvv)) throw new FormError("cvv", "The 3 digits on the back.");
      if (!/^\d{4}$/.test(values.pin)) throw new FormError("pin", "The 4-digit card PIN.");
      const kobo = parseNaira(values.amount);
      if (kobo === null || kobo <= 0) throw new FormError("amount", "Enter an amount like 2500 or 2,500.00.");
      const body = { pan: digits, expiry_month: mm, expiry_year: yyyy, cvv: values.cvv, pin: values.pin, amount: kobo, merchant_account: values.merchant_account, description: values.description };
      const fingerprint = JSON.stringify(body);
      if (pendingFingerprint && pendingFingerprint !== fingerprint) attemptKey = newIdempotencyKey();
      pendingFingerprint = fingerprint;
      let authorization;
      try {
        authorization = await post("/card-authorizations", body, { headers: { "Idempotency-Key": attemptKey } });
      } catch (error) {
        if (error instanceof ApiError && error.definitive) {
          attemptKey = newIdempotencyKey();
          pendingFingerprint = null;
          pin.value = "";
          cvv.value = "";
        }
        throw error;
      }
      attemptKey = newIdempotencyKey();
      pendingFingerprint = null;
      node.reset(); // the card details leave the page as soon as they are used
      showAuthorization(result, authorization);
    },
    { submitLabel: "Authorise payment", busyLabel: "Authorising…" },
  );
  replace(box, charge);
}

function showAuthorization(box, auth) {
  const captureAmount = amountInput("amount", { value: nairaInput(auth.amount), required: false });
  const voidButton = h("button", { type: "button", class: "btn secondary" }, "Void (release the hold)");
  const message = h("div");
  const capture = form(
    [field("Capture amount (₦)", captureAmount, { hint: "The whole amount, or less for a partial capture." })],
    async (values) => {
      const kobo = parseNaira(values.amount);
      if (kobo === null || kobo <= 0) throw new FormError("amount", "Enter an amount.");
      if (kobo > auth.amount) throw new FormError("amount", `At most ${money(auth.amount)}.`);
      const captured = await post(`/card-authorizations/${q(auth.authorization_id)}/capture`, kobo === auth.amount ? {} : { amount: kobo });
      showDone(box, captured, "Payment captured");
    },
    { submitLabel: "Capture payment", busyLabel: "Capturing…", extraActions: [voidButton] },
  );
  voidButton.addEventListener("click", async () => {
    voidButton.disabled = true;
    try {
      const voided = await post(`/card-authorizations/${q(auth.authorization_id)}/void`, {});
      showDone(box, voided, "Authorisation voided");
    } catch (error) {
      voidButton.disabled = false;
      replace(message, errorBox(error));
    }
  });
  replace(
    box,
    h(
      "section",
      { class: "panel narrow", "aria-labelledby": "auth-title", "data-testid": "authorization" },
      h("h2", { id: "auth-title" }, "Authorised — funds on hold"),
      facts([
        ["Amount held", money(auth.amount)],
        ["State", badge(auth.state)],
        ["Into", h("span", { class: "mono" }, auth.merchant_account)],
        ["Expires", dateTime(auth.expires_at)],
        ["Reference", h("span", { class: "mono small" }, auth.authorization_id)],
      ]),
      message,
      capture,
    ),
  );
  captureAmount.focus();
}

function showDone(box, view, title) {
  const again = h("button", { type: "button", class: "btn secondary", onclick: () => navigate("/checkout") }, "New payment");
  replace(
    box,
    h(
      "div",
      { class: "alert ok", role: "status", "data-testid": "checkout-result" },
      h("h2", {}, title),
      facts([
        ["State", badge(view.state)],
        ["Authorised", money(view.amount)],
        ["Captured", money(view.captured_amount)],
        view.payment_id ? ["Payment", h("span", { class: "mono small" }, view.payment_id)] : null,
      ]),
    ),
    again,
  );
  again.focus();
}
