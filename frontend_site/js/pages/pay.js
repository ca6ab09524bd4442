// The cardholder confirms a merchant's payment request on the bank's own site, in the manner of 3-D
// Secure: the merchant never sees the card. The card number, CVV and PIN are typed here, leave the
// page only in the one POST /card-authorizations, and are cleared after every answer.

import { ApiError, get, post, q } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime, money, titleCase } from "../format.js";
import { badge, errorBox, facts, field, form, FormError, input, link, loading, pageHead, pinInput, problemAlert } from "../ui.js";

// Our words for the answers a cardholder can get; anything else shows the API's own title.
const CARD_PROBLEMS = {
  card_invalid: "The card details or the PIN are wrong. Check them and try again — repeated wrong tries block the card.",
  card_blocked: "This card is blocked, so it cannot pay. Your Cards page says why, and who can unblock it.",
  card_expired: "This card has expired. Use your replacement card.",
  insufficient_funds: "There is not enough money available in the card's account for this payment. Add money to it and try again, or pay with another card.",
  amount_limit_exceeded: "The bank declined this payment: it is over the single-payment limit.",
  daily_limit_exceeded: "The bank declined this payment: it would pass the account's daily outgoing limit.",
  customer_daily_limit_exceeded: "The bank declined this payment: it would pass your daily outgoing limit across your accounts.",
  velocity_limit_exceeded: "The bank declined this payment: too many payments from this account in the last minute.",
  customer_velocity_limit_exceeded: "The bank declined this payment: too many payments from your accounts in the last minute.",
  payment_request_closed: "This payment request is no longer open: it was paid, declined or has expired. Ask the merchant for a new link.",
  payment_request_not_found: "We could not find this payment request. Check the link the merchant gave you.",
  same_account: "This card belongs to the account the payment goes into; pay with another account's card.",
  account_not_active: "The card's account is blocked or closed, so it cannot pay.",
};

// After these the request is settled (declined or closed): there is nothing left to confirm.
const REQUEST_ENDING = new Set(["payment_request_closed", "payment_request_not_found"]);

export async function payPage(view, { request_id: requestId }) {
  const summary = h("section", { class: "panel narrow", "aria-labelledby": "request-title" }, loading("Loading the payment request…"));
  const confirmBox = h("section", { class: "panel narrow", "aria-labelledby": "confirm-title" });
  view.append(pageHead("Confirm a card payment"), summary, confirmBox);

  let request;
  try {
    request = await get(`/payment-requests/${q(requestId)}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(summary, h("h2", { id: "request-title" }, "Payment request not found"), problemAlert(CARD_PROBLEMS.payment_request_not_found, error), link("#/dashboard", "Back to my dashboard", "btn secondary"));
      confirmBox.remove();
      return;
    }
    replace(summary, errorBox(error));
    confirmBox.remove();
    return;
  }
  showRequest(request);
  if (request.state === "open") showForm(request);
  else showClosed(request);

  function showRequest(current) {
    replace(
      summary,
      h("h2", { id: "request-title" }, "Payment request"),
      facts([
        ["Pay to account", h("span", { class: "mono", "data-testid": "pay-merchant" }, current.merchant_account)],
        ["Amount", h("strong", { "data-testid": "pay-amount" }, money(current.amount))],
        ["Description", current.description || "—"],
        ["Open until", dateTime(current.expires_at)],
        ["State", h("span", { "data-testid": "pay-state" }, badge(current.state))],
      ]),
    );
  }

  function showClosed(current) {
    const why = {
      authorized: "This payment request has already been confirmed.",
      declined: `This payment request was declined${current.decline_code ? ` (${titleCase(current.decline_code)})` : ""}. Ask the merchant for a new one.`,
      expired: "This payment request has expired. Ask the merchant for a new one.",
    }[current.state] || "This payment request is no longer open.";
    replace(confirmBox, h("h2", { id: "confirm-title" }, "Nothing to confirm"), h("p", { class: "alert info", role: "status" }, why), link("#/dashboard", "Back to my dashboard", "btn secondary"));
  }

  function showForm(current) {
    const pan = input("pan", { inputmode: "numeric", autocomplete: "off", maxlength: "23", required: true, placeholder: "5061 2345 6789 0123" });
    const month = input("expiry_month", { inputmode: "numeric", maxlength: "2", placeholder: "MM", autocomplete: "off", required: true });
    const year = input("expiry_year", { inputmode: "numeric", maxlength: "4", placeholder: "YYYY", autocomplete: "off", required: true });
    const cvv = h("input", { name: "cvv", type: "password", inputmode: "numeric", maxlength: "3", autocomplete: "off", required: true, class: "pin" });
    const pin = pinInput("pin");
    const answer = h("div", { "aria-live": "polite" });
    const clearSecrets = () => {
      pin.value = "";
      cvv.value = "";
    };
    const payer = form(
      [
        answer,
        field("Card number", pan),
        h("div", { class: "form-row three" }, field("Expiry month", month), field("Expiry year", year), field("CVV", cvv, { hint: "3 digits on the back." })),
        field("Card PIN", pin, { hint: "Type it only here, on Arhan Financial's own site — never on a merchant's page." }),
      ],
      async (values, node) => {
        answer.replaceChildren();
        const digits = values.pan.replace(/[\s-]/g, "");
        if (!/^\d{12,19}$/.test(digits)) throw new FormError("pan", "Enter the card number (digits only).");
        const mm = Number(values.expiry_month);
        if (!(Number.isInteger(mm) && mm >= 1 && mm <= 12)) throw new FormError("expiry_month", "Month 1–12.");
        let yyyy = Number(values.expiry_year);
        if (Number.isInteger(yyyy) && yyyy < 100) yyyy += 2000;
        if (!(Number.isInteger(yyyy) && yyyy >= 2000 && yyyy < 2200)) throw new FormError("expiry_year", "A year like 2029.");
        if (!/^\d{3}$/.test(values.cvv)) throw new FormError("cvv", "The 3 digits on the back.");
        if (!/^\d{4}$/.test(values.pin)) throw new FormError("pin", "Your 4-digit card PIN.");
        let authorization;
        try {
          authorization = await post("/card-authorizations", {
            payment_request_id: current.payment_request_id,
            pan: digits,
            expiry_month: mm,
            expiry_year: yyyy,
            cvv: values.cvv,
            pin: values.pin,
          });
        } catch (error) {
          if (!(error instanceof ApiError) || !error.definitive) throw error;
          await explain(error);
          return;
        } finally {
          clearSecrets(); // whatever the answer, the CVV and PIN do not stay on the page
        }
        node.reset();
        showPaid(authorization);
      },
      { submitLabel: `Pay ${money(current.amount)}`, busyLabel: "Confirming…" },
    );

    async function explain(error) {
      let known = CARD_PROBLEMS[error.code];
      const { title, detail } = error.problem;
      if (known && error.code === "card_blocked" && detail && detail !== title) known = `${detail}. ${known}`;
      replace(answer, known ? problemAlert(known, error, { testid: "pay-problem" }) : errorBox(error));
      answer.firstChild.setAttribute("tabindex", "-1");
      answer.firstChild.focus();
      // A decline or a closed request ends it: show its state and take the form away.
      let latest = null;
      try {
        latest = await get(`/payment-requests/${q(current.payment_request_id)}`);
      } catch {
        latest = null;
      }
      if (latest) showRequest(latest);
      if (REQUEST_ENDING.has(error.code) || (latest && latest.state !== "open")) {
        const kept = answer.firstChild;
        replace(confirmBox, h("h2", { id: "confirm-title" }, "The payment did not go through"), kept, link("#/dashboard", "Back to my dashboard", "btn secondary"));
      }
    }

    replace(
      confirmBox,
      h("h2", { id: "confirm-title" }, "Pay with your Arhan card"),
      h("p", { class: "muted" }, `The money is held in your account for ${current.merchant_account}, who then takes it (or part of it) or releases it.`),
      payer,
    );
    pan.focus();
  }

  function showPaid(authorization) {
    replace(
      confirmBox,
      h(
        "div",
        { class: "alert ok", role: "status", "data-testid": "pay-result" },
        h("h2", { id: "confirm-title" }, "Payment confirmed"),
        facts([
          ["Amount held", h("strong", {}, money(authorization.amount))],
          ["For", h("span", { class: "mono" }, authorization.merchant_account)],
          ["State", badge(authorization.state)],
          ["Held until", dateTime(authorization.expires_at)],
          ["Authorization", h("span", { class: "mono small", "data-testid": "authorization-id" }, authorization.authorization_id)],
        ]),
        h("p", { class: "small" }, "The merchant now takes the payment; if they do not, the hold is released by the date above."),
      ),
      h("p", { class: "actions" }, link("#/dashboard", "Back to my dashboard", "btn")),
    );
    get(`/payment-requests/${q(requestId)}`).then(showRequest, () => {});
  }
}
