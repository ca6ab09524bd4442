// Cards: masked everywhere; the whole PAN and the CVV appear once, at issue or replacement, and are
// removed from the page when the customer says they have noted them (nothing keeps them in memory).

import { get, post, q } from "../api.js";
import { h, replace } from "../dom.js";
import { groupDigits } from "../format.js";
import { myAccounts } from "../state.js";
import { badge, errorBox, field, flash, form, FormError, input, link, loading, pageHead, pinInput } from "../ui.js";
import { accountSelect } from "./common.js";

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

  async function refresh() {
    replace(listBox, h("h2", { id: "cards-title" }, "Your cards"), loading("Loading your cards…"));
    const lists = await Promise.all(accounts.map((a) => get(`/accounts/${q(a.account_number)}/cards?limit=50`).then((r) => r.items || []).catch((error) => ({ error }))));
    const failed = lists.find((x) => x.error);
    const cards = lists.filter((x) => !x.error).flat().filter((c) => c.state !== "replaced");
    replace(
      listBox,
      h("h2", { id: "cards-title" }, "Your cards"),
      failed ? errorBox(failed.error) : null,
      cards.length ? h("div", { class: "grid three" }, cards.map((card) => cardPanel(card, refresh, showOnce))) : h("p", { class: "empty" }, "You have no card yet."),
    );
    if (!failed) renderIssue(cards);
  }

  function showOnce(card, title) {
    const done = h("button", { type: "button", class: "btn" }, "I have noted them — hide");
    const panel = h(
      "section",
      { class: "panel reveal", role: "alert", "aria-labelledby": "reveal-title" },
      h("h2", { id: "reveal-title" }, title),
      h("p", {}, h("strong", {}, "Shown only this once. "), "Write down the card number and CVV now: we do not store the CVV and cannot show the number again."),
      h(
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
      ),
      h("div", { class: "actions" }, done),
    );
    done.addEventListener("click", () => {
      panel.remove();
      done.blur();
    });
    replace(reveal, panel);
    done.focus();
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

function cardPanel(card, refresh, showOnce) {
  const actions = h("div", { class: "actions" });
  const message = h("div");
  const act = async (button, path, body, notice) => {
    button.disabled = true;
    try {
      const result = await post(path, body);
      if (result && result.pan) showOnce(result, "Your replacement card");
      flash(notice);
      await refresh();
    } catch (error) {
      button.disabled = false;
      replace(message, errorBox(error));
    }
  };
  if (card.state === "active") {
    const reason = input("reason", { placeholder: "Why? (optional)", maxlength: "200" });
    const block = h("button", { type: "button", class: "btn danger small" }, "Block card");
    block.addEventListener("click", () => act(block, `/cards/${q(card.card_id)}/block`, reason.value.trim() ? { reason: reason.value.trim() } : {}, "Card blocked."));
    actions.append(h("details", {}, h("summary", {}, "Block this card"), h("div", { class: "row" }, field("Reason", reason), block)));
  } else if (card.state === "blocked") {
    const unblock = h("button", { type: "button", class: "btn small" }, "Unblock card");
    unblock.addEventListener("click", () => act(unblock, `/cards/${q(card.card_id)}/unblock`, {}, "Card unblocked."));
    actions.append(unblock);
  }
  if (card.state === "active" || card.state === "blocked") {
    const replaceButton = h("button", { type: "button", class: "btn secondary small" }, "Replace card");
    replaceButton.addEventListener("click", () => act(replaceButton, `/cards/${q(card.card_id)}/replace`, {}, "A new card replaces the old one, which no longer works."));
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
    h("p", { class: "row" }, "State: ", badge(card.state), card.block_reason ? h("span", { class: "small muted" }, card.block_reason) : null),
    actions,
    message,
  );
}
