// Cards: masked everywhere. The whole PAN and the CVV reach the page only from the bank's answer to
// the owner — at issue, or when they show them with the card PIN (a replacement too) — in one
// DOM node that is removed when they hide it, after a short time, or when they leave the page; nothing
// keeps them in memory. A card the bank blocked (staff, or too many wrong tries) only the bank unblocks.

import { ApiError, get, post, q } from "../api.js";
import { h, replace } from "../dom.js";
import { groupDigits } from "../format.js";
import { myAccounts } from "../state.js";
import { badge, errorBox, field, form, FormError, input, link, loading, pageHead, pinInput, problemAlert, showNotice } from "../ui.js";
import { accountSelect } from "./common.js";

// How long shown card details stay on screen (a page choice, not a bank rule).
const SHOW_SECONDS = 60;

/** Who blocked a card, in the customer's words; null when the customer did (they may unblock it). */
export function bankBlockText(card) {
  if (card.state !== "blocked" || !card.blocked_by || card.blocked_by === "customer") return null;
  if (card.blocked_by === "system") return "Blocked after too many wrong PIN or card-detail tries.";
  return `Blocked by the bank${card.block_reason ? `: ${card.block_reason}` : ""}.`;
}

export async function cardsPage(view) {
  const reveal = h("div");
  const listBox = h("section", { "aria-labelledby": "cards-title" }, loading("Loading your cards…"));
  const issueBox = h("section", { class: "panel narrow", "aria-labelledby": "issue-title" });
  view.append(pageHead("Cards"), reveal, listBox, issueBox);
  const accounts = await myAccounts();
  if (!accounts.length) {
    replace(listBox, h("p", {}, "Open an account first; each account can have a virtual debit card."), link("#/open-account", "Open an account", "btn"));
    return;
  }

  // Shown details leave the page when the customer leaves it or switches away from the tab.
  let hideTimer = null;
  const hideDetails = () => {
    clearInterval(hideTimer);
    hideTimer = null;
    reveal.replaceChildren();
  };
  const onHidden = () => {
    if (document.visibilityState === "hidden") hideDetails();
  };
  const onLeave = () => {
    hideDetails();
    window.removeEventListener("hashchange", onLeave);
    document.removeEventListener("visibilitychange", onHidden);
  };
  window.addEventListener("hashchange", onLeave);
  document.addEventListener("visibilitychange", onHidden);

  async function refresh() {
    replace(listBox, h("h2", { id: "cards-title" }, "Your cards"), loading("Loading your cards…"));
    const lists = await Promise.all(accounts.map((a) => get(`/accounts/${q(a.account_number)}/cards?limit=50`).then((r) => r.items || []).catch((error) => ({ error }))));
    const failed = lists.find((x) => x.error);
    const cards = lists.filter((x) => !x.error).flat().filter((c) => c.state !== "replaced");
    replace(
      listBox,
      h("h2", { id: "cards-title" }, "Your cards"),
      failed ? errorBox(failed.error) : null,
      cards.length ? h("div", { class: "grid three" }, cards.map((card) => cardPanel(card, { refresh, showDetails }))) : h("p", { class: "empty" }, "You have no card yet."),
    );
    if (!failed) renderIssue(cards);
  }

  function plastic(card) {
    return h(
      "div",
      { class: "plastic" },
      h("span", {}, "Arhan Financial · Virtual debit"),
      h("span", { class: "pan", "data-testid": "card-pan" }, groupDigits(card.pan)),
      h(
        "div",
        { class: "meta" },
        h("span", {}, "Expires ", h("strong", { "data-testid": "card-expiry" }, `${String(card.expiry_month).padStart(2, "0")}/${String(card.expiry_year).slice(-2)}`)),
        h("span", {}, "CVV ", h("strong", { "data-testid": "card-cvv" }, card.cvv)),
      ),
    );
  }

  /** A new card's details at issue: written down now, shown until hidden. */
  function showOnce(card, title) {
    hideDetails();
    const done = h("button", { type: "button", class: "btn" }, "I have noted them — hide");
    const panel = h(
      "section",
      { class: "panel reveal", role: "alert", "aria-labelledby": "reveal-title" },
      h("h2", { id: "reveal-title" }, title),
      h("p", {}, h("strong", {}, "Write down the card number and CVV now. "), "Later you can see them again only with the card PIN."),
      plastic(card),
      h("div", { class: "actions" }, done),
    );
    done.addEventListener("click", () => {
      hideDetails();
      done.blur();
    });
    replace(reveal, panel);
    done.focus();
  }

  /** Details shown with the card PIN: masked again after SHOW_SECONDS, or sooner. */
  function showDetails(card) {
    hideDetails();
    let left = SHOW_SECONDS;
    const countdown = h("span", { class: "small muted", "data-testid": "reveal-countdown" }, `Hidden again in ${left} s.`);
    const hide = h("button", { type: "button", class: "btn" }, "Hide now");
    hide.addEventListener("click", hideDetails);
    replace(
      reveal,
      h(
        "section",
        { class: "panel reveal", role: "alert", "aria-labelledby": "reveal-title", "data-testid": "card-details" },
        h("h2", { id: "reveal-title" }, `Card details · account ${card.account_number}`),
        h("p", {}, "Keep them to yourself: no one from the bank will ever ask for them."),
        plastic(card),
        h("div", { class: "actions" }, hide, countdown),
      ),
    );
    hideTimer = setInterval(() => {
      left -= 1;
      if (left <= 0 || !reveal.isConnected) hideDetails();
      else countdown.textContent = `Hidden again in ${left} s.`;
    }, 1000);
    hide.focus();
  }

  function renderIssue(cards) {
    const withCard = new Set(cards.filter((c) => c.state === "active" || c.state === "blocked").map((c) => c.account_number));
    const eligible = accounts.filter((a) => a.state === "active" && !withCard.has(a.account_number));
    if (!eligible.length) {
      replace(issueBox, h("h2", { id: "issue-title" }, "Get a virtual debit card"), h("p", { class: "muted" }, "Each active account has its card. Open another account for another card."));
      return;
    }
    const account = accountSelect(eligible);
    const pin = pinInput("pin");
    const confirm = pinInput("confirm_pin");
    const issuer = form(
      [field("Account", account), h("div", { class: "form-row two" }, field("Card PIN (4 digits)", pin, { hint: "Used when you pay with the card." }), field("Repeat the PIN", confirm))],
      async (values, node) => {
        if (!/^\d{4}$/.test(values.pin)) throw new FormError("pin", "The card PIN must be exactly 4 digits.");
        if (values.pin !== values.confirm_pin) throw new FormError("confirm_pin", "The PINs do not match.");
        const card = await post(`/accounts/${q(values.account_number)}/cards`, { pin: values.pin });
        node.reset();
        showOnce(card, "Your new card");
        refresh();
      },
      { submitLabel: "Issue a card", busyLabel: "Issuing…" },
    );
    replace(issueBox, h("h2", { id: "issue-title" }, "Get a virtual debit card"), issuer);
  }
  await refresh();
}

function cardPanel(card, { refresh, showDetails }) {
  const actions = h("div", { class: "actions" });
  const message = h("div");
  const byBank = bankBlockText(card);
  const act = async (button, path, body, notice) => {
    button.disabled = true;
    try {
      await post(path, body);
      showNotice(notice);
      await refresh();
    } catch (error) {
      button.disabled = false;
      if (error instanceof ApiError && error.code === "card_blocked_by_bank") {
        replace(message, problemAlert("The bank blocked this card, so only the bank can unblock it. Contact support.", error));
      } else {
        replace(message, errorBox(error));
      }
    }
  };
  if (card.state === "active") {
    actions.append(revealForm(card, message, showDetails, refresh));
    const reason = input("reason", { placeholder: "Why? (optional)", maxlength: "200" });
    const block = h("button", { type: "button", class: "btn danger small" }, "Block card");
    block.addEventListener("click", () => act(block, `/cards/${q(card.card_id)}/block`, reason.value.trim() ? { reason: reason.value.trim() } : {}, "Card blocked."));
    actions.append(h("details", {}, h("summary", {}, "Block this card"), h("div", { class: "row" }, field("Reason", reason), block)));
  } else if (card.state === "blocked" && !byBank) {
    const unblock = h("button", { type: "button", class: "btn small" }, "Unblock card");
    unblock.addEventListener("click", () => act(unblock, `/cards/${q(card.card_id)}/unblock`, {}, "Card unblocked."));
    actions.append(unblock);
  }
  // A card the bank blocked stays with the bank: it unblocks or replaces it.
  if (card.state === "active" || (card.state === "blocked" && !byBank)) {
    const replaceButton = h("button", { type: "button", class: "btn secondary small" }, "Replace card");
    replaceButton.addEventListener("click", () => act(replaceButton, `/cards/${q(card.card_id)}/replace`, {}, "A new card replaces the old one, which no longer works. Show its number and CVV with your card PIN."));
    actions.append(replaceButton);
  }
  return h(
    "article",
    { class: "panel", "data-card": card.card_id },
    h(
      "div",
      { class: `plastic ${card.state === "blocked" ? "blocked" : ""}` },
      h("span", {}, "Arhan Financial · Virtual debit"),
      h("span", { class: "pan", "data-testid": "masked-pan" }, groupDigits(card.masked_pan)),
      h("div", { class: "meta" }, h("span", {}, `Account ${card.account_number}`), h("span", {}, `Exp ${String(card.expiry_month).padStart(2, "0")}/${String(card.expiry_year).slice(-2)}`)),
    ),
    h("p", { class: "row" }, "State: ", badge(card.state), !byBank && card.block_reason ? h("span", { class: "small muted" }, card.block_reason) : null),
    byBank
      ? h(
          "div",
          { class: "alert warn", "data-testid": "bank-block" },
          h("strong", {}, byBank),
          " Only the bank can unblock it. ",
          link("#/tickets", "Contact support"),
        )
      : null,
    actions,
    message,
  );
}

function revealForm(card, message, showDetails, refresh) {
  const pin = pinInput("pin", { autocomplete: "off" });
  const revealer = form(
    [field("Card PIN", pin)],
    async () => {
      const value = pin.value;
      pin.value = ""; // the PIN leaves the page in this one request only
      message.replaceChildren();
      if (!/^\d{4}$/.test(value)) throw new FormError("pin", "Your 4-digit card PIN.");
      let details;
      try {
        details = await post(`/cards/${q(card.card_id)}/reveal`, { pin: value });
      } catch (error) {
        if (error instanceof ApiError && error.code === "card_invalid") throw new FormError("pin", "The PIN is wrong. Repeated wrong PINs block the card.");
        if (error instanceof ApiError && error.code === "card_blocked") {
          showNotice("The card is blocked after too many wrong PINs. Only the bank can unblock it.", "error");
          await refresh();
          return;
        }
        throw error;
      }
      revealer.closest("details")?.removeAttribute("open");
      showDetails(details);
    },
    { submitLabel: "Show", busyLabel: "Checking…" },
  );
  return h("details", { class: "reveal-card" }, h("summary", {}, "Show card details"), revealer);
}
