// Open an account; one account's details (balances, state, block/unblock, transactions, cards).

import { ApiError, get, post, q } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime, money } from "../format.js";
import { navigate } from "../nav.js";
import { bankRulesIfAvailable } from "../rules.js";
import { badge, errorBox, facts, field, flash, form, FormError, input, link, loading, pageHead, pinInput, problemAlert } from "../ui.js";
import { transactionsTable } from "./common.js";

export async function openAccountPage(view) {
  const types = h(
    "fieldset",
    { class: "field" },
    h("legend", {}, "Account type"),
    h(
      "div",
      { class: "choices" },
      h("label", {}, h("input", { type: "radio", name: "type", value: "current", checked: true }), "Current — for everyday spending"),
      h("label", {}, h("input", { type: "radio", name: "type", value: "savings" }), "Savings — earns interest monthly"),
    ),
  );
  const pin = pinInput("pin");
  const confirm = pinInput("confirm_pin");
  const result = h("div");
  const opener = form(
    [
      types,
      h("div", { class: "form-row two" }, field("Choose a 4-digit PIN", pin, { hint: "You need it for every transfer." }), field("Repeat the PIN", confirm)),
    ],
    async (values, node) => {
      if (!/^\d{4}$/.test(values.pin)) throw new FormError("pin", "The PIN must be exactly 4 digits.");
      if (values.pin !== values.confirm_pin) throw new FormError("confirm_pin", "The PINs do not match.");
      let account;
      try {
        account = await post("/accounts", { type: values.type, pin: values.pin });
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== "account_limit_reached") throw error;
        node.reset();
        replace(result, accountLimit(error));
        result.querySelector("[role='alert']").focus();
        return;
      }
      node.reset();
      replace(
        result,
        h(
          "div",
          { class: "alert ok", role: "status" },
          h("strong", {}, "Your account is open."),
          facts([
            ["Account number", h("span", { class: "mono", "data-testid": "new-account-number" }, account.account_number)],
            ["Type", account.type === "savings" ? "Savings" : "Current"],
            ["Available balance", money(account.available_balance)],
          ]),
          h("p", {}, link("#/dashboard", "Go to my dashboard", "btn")),
        ),
      );
      result.querySelector("a").focus();
    },
    { submitLabel: "Open account", busyLabel: "Opening…" },
  );
  // The bonus (payments' amount, from GET /config) is shown when it arrives; the form does not wait for it.
  const intro = h("p", { class: "muted", hidden: true });
  view.append(pageHead("Open an account"), h("section", { class: "panel narrow" }, intro, opener), result);
  const rules = await bankRulesIfAvailable();
  const bonus = rules ? rules.accounts.welcome_bonus : 0;
  if (bonus > 0) {
    intro.textContent = `Your first account comes with a ${money(bonus)} welcome bonus from Arhan Financial.`;
    intro.hidden = false;
  }
}

/** 409 account_limit_reached: the bank's limit comes with the answer (`limit`), never from the site. */
function accountLimit(error) {
  const limit = Number(error.problem.limit);
  const most = Number.isFinite(limit) && limit > 0 ? `${limit} open accounts` : "the most open accounts a customer may hold";
  const box = problemAlert(`You already have ${most}, the most a customer may hold, so we cannot open another.`, error, { testid: "account-limit" });
  box.setAttribute("tabindex", "-1");
  box.append(
    h("p", {}, "Use one of your accounts, or ask us to close one you no longer need; then you can open a new one."),
    h("p", { class: "actions" }, link("#/dashboard", "My accounts", "btn secondary"), link("#/tickets", "Contact support", "btn secondary")),
  );
  return box;
}

export async function accountPage(view, { number }) {
  const head = h("div", {}, loading("Loading the account…"));
  view.append(head);
  let account;
  try {
    account = await get(`/accounts/${q(number)}`);
  } catch (error) {
    if (error.status === 404) {
      replace(head, pageHead("Account not found"), h("div", { class: "alert error", role: "alert" }, "We could not find that account among yours."), link("#/dashboard", "Back to the dashboard", "btn secondary"));
      return;
    }
    replace(head, errorBox(error));
    return;
  }
  const held = Number(account.ledger_balance) - Number(account.available_balance);
  const stateBox = h("div");
  replace(
    head,
    pageHead(`${account.type === "savings" ? "Savings" : "Current"} account ${account.account_number}`, link(`#/transfer?from=${account.account_number}`, "Send money", "btn"), link(`#/statements?account=${account.account_number}`, "Statement", "btn secondary")),
    h(
      "div",
      { class: "grid three" },
      h("div", { class: "panel stat" }, h("span", { class: "label" }, "Available balance"), h("span", { class: "value", "data-testid": "available-balance" }, money(account.available_balance))),
      h("div", { class: "panel stat" }, h("span", { class: "label" }, "Ledger balance"), h("span", { class: "value", "data-testid": "ledger-balance" }, money(account.ledger_balance)), held > 0 ? h("span", { class: "small muted" }, `${money(held)} held by card authorisations`) : null),
      h("div", { class: "panel stat" }, h("span", { class: "label" }, "State"), h("span", { class: "value" }, badge(account.state)), account.block_reason ? h("span", { class: "small muted" }, `Reason: ${account.block_reason}`) : null, h("span", { class: "small muted" }, `Opened ${dateTime(account.created_at)}`)),
    ),
    stateBox,
  );
  renderStateActions(stateBox, account, () => navigate(`/accounts/${account.account_number}`));

  const txBox = h("section", { class: "panel", "aria-labelledby": "tx-title" }, h("h2", { id: "tx-title" }, "Transactions"), loading());
  view.append(txBox);
  pagedTransactions(txBox, `/accounts/${q(number)}/transactions`, "tx-title");
}

function renderStateActions(box, account, done) {
  if (account.state === "active") {
    const reason = input("reason", { required: true, placeholder: "e.g. I lost my phone" });
    const blocker = form([field("Block this account (stops all payments in and out)", reason)], async (values) => {
      if (!values.reason) throw new FormError("reason", "Tell us why, so our staff can help.");
      await post(`/accounts/${q(account.account_number)}/block`, { reason: values.reason });
      flash("The account is blocked. Unblock it here any time.", "info");
      done();
    }, { submitLabel: "Block account", busyLabel: "Blocking…" });
    blocker.submitButton.classList.add("danger");
    replace(box, h("details", { class: "panel" }, h("summary", {}, "Block this account"), blocker));
  } else if (account.state === "blocked" && account.blocked_by !== "staff") {
    const unblock = h("button", { type: "button", class: "btn" }, "Unblock account");
    unblock.addEventListener("click", async () => {
      unblock.disabled = true;
      try {
        await post(`/accounts/${q(account.account_number)}/unblock`, { reason: "unblocked by owner" });
        flash("The account is active again.");
        done();
      } catch (error) {
        unblock.disabled = false;
        box.append(errorBox(error));
      }
    });
    replace(box, h("div", { class: "panel" }, h("p", {}, "This account is blocked: nothing can be paid in or out."), unblock));
  } else if (account.state === "blocked") {
    replace(box, h("div", { class: "alert warn" }, "Our staff blocked this account. Open a support ticket to talk to us."));
  }
}

/** A transactions table with "Load more" following next_cursor. */
export function pagedTransactions(box, path, titleId, options = {}) {
  const items = [];
  const tableBox = h("div");
  const more = h("button", { type: "button", class: "btn secondary small", hidden: true }, "Load more");
  let cursor = null;
  async function next() {
    more.disabled = true;
    try {
      const sep = path.includes("?") ? "&" : "?";
      const page = await get(`${path}${sep}limit=25${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      items.push(...(page.items || []));
      cursor = page.next_cursor;
      replace(tableBox, transactionsTable(items, options));
      more.hidden = !cursor;
    } catch (error) {
      tableBox.append(errorBox(error));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", next);
  replace(box, h("h2", { id: titleId }, "Transactions"), tableBox, more);
  replace(tableBox, loading());
  next();
}

