// Merchant checkout, in the manner of 3-D Secure: the merchant asks for an amount (a payment request)
// and gives the buyer a link to the bank's own page (#/pay/<id>), where the buyer confirms it with their
// card and PIN. The merchant never sees card details; this page follows the request until it is
// authorised, then captures (all or part of) the held funds, or voids the hold.

import { ApiError, get, newIdempotencyKey, post, q } from "../api.js";
import { navigate, hashQuery } from "../nav.js";
import { h, replace } from "../dom.js";
import { dateTime, money, nairaInput, parseNaira, titleCase } from "../format.js";
import { myAccounts } from "../state.js";
import { amountInput, badge, errorBox, facts, field, form, FormError, input, link, loading, pageHead, problemAlert } from "../ui.js";
import { accountSelect } from "./common.js";

const POLL_MS = 2000;

export async function checkoutPage(view) {
  view.append(pageHead("Merchant checkout"), h("p", { class: "muted" }, "Ask for a card payment: your buyer confirms it on Arhan Financial's own page with their card and PIN — you never see their card."));
  const box = h("div", { class: "panel narrow" }, loading());
  const result = h("div");
  view.append(box, result);
  const requestId = hashQuery().get("request");
  if (requestId) {
    followRequest(box, result, requestId);
    return;
  }
  const accounts = await myAccounts();
  if (!accounts.some((a) => a.state === "active")) {
    replace(box, h("p", {}, "You need an active account to receive card payments."), link("#/open-account", "Open an account", "btn"));
    return;
  }
  // One Idempotency-Key per attempt: a double click or a retry after a lost answer makes one request.
  let attemptKey = newIdempotencyKey();
  let pendingFingerprint = null;
  const merchant = accountSelect(accounts, { name: "merchant_account" });
  const amount = amountInput("amount");
  const description = input("description", { maxlength: "140", placeholder: "Order or item" });
  const asker = form(
    [field("Pay into", merchant), h("div", { class: "form-row two" }, field("Amount (₦)", amount), field("Description", description))],
    async (values) => {
      const kobo = parseNaira(values.amount);
      if (kobo === null || kobo <= 0) throw new FormError("amount", "Enter an amount like 2500 or 2,500.00.");
      const body = { merchant_account: values.merchant_account, amount: kobo, description: values.description };
      const fingerprint = JSON.stringify(body);
      if (pendingFingerprint && pendingFingerprint !== fingerprint) attemptKey = newIdempotencyKey();
      pendingFingerprint = fingerprint;
      let request;
      try {
        request = await post("/payment-requests", body, { headers: { "Idempotency-Key": attemptKey } });
      } catch (error) {
        if (error instanceof ApiError && error.definitive) {
          attemptKey = newIdempotencyKey();
          pendingFingerprint = null;
        }
        throw error;
      }
      // The request's own address: a reload or a later visit follows the same request.
      navigate(`/checkout?request=${encodeURIComponent(request.payment_request_id)}`);
    },
    { submitLabel: "Create payment link", busyLabel: "Creating…" },
  );
  replace(box, h("h2", {}, "New payment request"), asker);
}

/** The link the buyer opens: this site's own confirmation page for the request. */
function payUrl(requestId) {
  return `${window.location.origin}${window.location.pathname}#/pay/${encodeURIComponent(requestId)}`;
}

function followRequest(box, result, requestId) {
  const url = payUrl(requestId);
  const linkField = input("pay_link", { value: url, readOnly: true, class: "mono", "data-testid": "pay-link" });
  const copied = h("span", { class: "small muted", role: "status" });
  const copy = h("button", { type: "button", class: "btn secondary" }, "Copy link");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(url);
      copied.textContent = "Copied.";
    } catch {
      linkField.select(); // no clipboard permission: select it so the merchant can copy it by hand
      copied.textContent = "Select the link and copy it (Ctrl+C).";
    }
  });
  linkField.addEventListener("focus", () => linkField.select());
  const open = h("a", { href: url, target: "_blank", rel: "noopener noreferrer", class: "btn secondary" }, "Open payment page");
  const facts_ = h("div", {}, loading("Loading the request…"));
  const status = h("div", { "aria-live": "polite" });
  const check = h("button", { type: "button", class: "btn secondary small" }, "Check now");
  const handOver = h(
    "div",
    {},
    h("p", {}, "Give this link to your buyer. They sign in to Arhan Financial and confirm the payment there with their card and PIN."),
    field("Payment link", linkField),
    h("div", { class: "actions" }, copy, open, copied),
  );
  replace(
    box,
    h("h2", {}, "Pay with Arhan card"),
    handOver,
    facts_,
    status,
    h("div", { class: "actions" }, check, h("button", { type: "button", class: "btn secondary small", onclick: () => navigate("/checkout") }, "New payment request")),
  );
  let timer = null;
  let settled = false;

  async function poll() {
    clearTimeout(timer);
    if (!box.isConnected || settled) return;
    let request;
    try {
      request = await get(`/payment-requests/${q(requestId)}`);
    } catch (error) {
      if (!box.isConnected) return;
      replace(status, errorBox(error));
      if (error instanceof ApiError && error.status === 404) {
        settled = true;
        check.hidden = true;
        return;
      }
      timer = setTimeout(poll, POLL_MS * 2);
      return;
    }
    if (!box.isConnected) return;
    replace(
      facts_,
      facts([
        ["Amount", h("strong", {}, money(request.amount))],
        ["Into", h("span", { class: "mono" }, request.merchant_account)],
        ["Description", request.description || "—"],
        ["Open until", dateTime(request.expires_at)],
        ["State", h("span", { "data-testid": "request-state" }, badge(request.state))],
      ]),
    );
    if (request.state === "open") {
      replace(status, h("p", { class: "loading", role: "status" }, "Waiting for the buyer to confirm…"));
      timer = setTimeout(poll, POLL_MS);
      return;
    }
    settled = true;
    check.hidden = true;
    handOver.hidden = true; // nothing left for a buyer to confirm
    if (request.state === "authorized") {
      replace(status, h("p", { class: "alert ok", role: "status" }, "The buyer confirmed the payment."));
      await showHold(result, request.authorization_id);
    } else if (request.state === "declined") {
      replace(status, problemAlert(`The payment was declined${request.decline_code ? `: ${titleCase(request.decline_code)}` : ""}. Make a new request if the buyer wants to try again.`, null, { testid: "request-declined" }));
    } else {
      replace(status, problemAlert("The request expired before the buyer confirmed it. Make a new one.", null, { kind: "warn", testid: "request-expired" }));
    }
  }

  check.addEventListener("click", poll);
  poll();
}

async function showHold(box, authorizationId) {
  replace(box, loading("Loading the authorisation…"));
  try {
    const auth = await get(`/card-authorizations/${q(authorizationId)}`);
    if (auth.state === "pending") showAuthorization(box, auth);
    else showDone(box, auth, auth.state === "captured" ? "Payment captured" : `Authorisation ${auth.state}`);
  } catch (error) {
    const retry = h("button", { type: "button", class: "btn secondary small", onclick: () => showHold(box, authorizationId) }, "Try again");
    replace(box, errorBox(error), retry);
  }
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
