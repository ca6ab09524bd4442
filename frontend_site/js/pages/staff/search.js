// Customer and account search; a customer's profile with their accounts.

import { get, q } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime, money } from "../../format.js";
import { hashQuery, navigate } from "../../nav.js";
import { badge, errorBox, facts, field, form, FormError, input, link, load, loading, pageHead, table } from "../../ui.js";

export async function searchPage(view) {
  const query = hashQuery();
  const customers = h("section", { class: "panel", "aria-labelledby": "customers-title" });
  const accounts = h("section", { class: "panel", "aria-labelledby": "accounts-title" });
  const customerQ = input("q", { value: query.get("customer") || "", placeholder: "username, email or name", required: true });
  const accountQ = input("q", { value: query.get("account") || "", placeholder: "account number or username", required: true });
  const customerResults = h("div");
  const accountResults = h("div");
  customers.append(
    h("h2", { id: "customers-title" }, "Customers"),
    form([field("Find a customer", customerQ)], async (values) => {
      if (!values.q) throw new FormError("q", "Type the start of a username, email or name.");
      navigate(`/staff/search?customer=${encodeURIComponent(values.q)}`);
    }, { submitLabel: "Search customers", busyLabel: "Searching…" }),
    customerResults,
  );
  accounts.append(
    h("h2", { id: "accounts-title" }, "Accounts"),
    form([field("Find an account", accountQ)], async (values) => {
      if (!values.q) throw new FormError("q", "Type an account number or a username.");
      navigate(`/staff/search?account=${encodeURIComponent(values.q)}`);
    }, { submitLabel: "Search accounts", busyLabel: "Searching…" }),
    accountResults,
  );
  view.append(pageHead("Search"), h("div", { class: "grid two" }, customers, accounts));
  if (query.get("customer")) {
    load(customerResults, () => get(`/staff/customers?q=${q(query.get("customer"))}&limit=50`), (r) => usersTable(r.items || []));
  }
  if (query.get("account")) {
    load(accountResults, () => get(`/staff/accounts?q=${q(query.get("account"))}&limit=50`), (r) => staffAccountsTable(r.items || []));
  }
}

function usersTable(items) {
  return table(
    [
      { label: "Customer", value: (u) => link(`#/staff/customers/${u.user_id}`, `${u.first_name} ${u.last_name}`) },
      { label: "Username", value: (u) => u.username },
      { label: "Email", value: (u) => u.email || "" },
      { label: "Status", value: (u) => badge(u.status) },
    ],
    items,
    { caption: "Customers found", empty: "No customer matches." },
  );
}

export function staffAccountsTable(items) {
  return table(
    [
      { label: "Account", value: (a) => link(`#/staff/accounts/${a.account_number}`, a.account_number, "mono") },
      { label: "Owner", value: (a) => (a.owner_username ? a.owner_username : link(`#/staff/customers/${a.owner_id}`, a.owner_id)) },
      { label: "Type", value: (a) => a.type },
      { label: "State", value: (a) => badge(a.state) },
      { label: "Available", num: true, value: (a) => money(a.available_balance) },
      { label: "Ledger", num: true, value: (a) => money(a.ledger_balance) },
    ],
    items,
    { caption: "Accounts", empty: "No account matches." },
  );
}

export async function customerPage(view, { id }) {
  const box = h("div", {}, loading());
  view.append(box);
  try {
    const [user, accounts] = await Promise.all([get(`/staff/customers/${q(id)}`), get(`/accounts?owner_id=${q(id)}&limit=100`)]);
    replace(
      box,
      pageHead(`${user.first_name} ${user.last_name}`, link("#/staff/search", "Back to search", "btn secondary")),
      h(
        "section",
        { class: "panel" },
        facts([
          ["Username", user.username],
          ["Email", user.email || "—"],
          ["Phone", user.phone || "—"],
          ["Status", badge(user.status)],
          ["Customer since", dateTime(user.created_at)],
          ["Id", h("span", { class: "mono small" }, user.user_id)],
        ]),
      ),
      h("section", { class: "panel" }, h("h2", {}, "Accounts"), staffAccountsTable(accounts.items || [])),
    );
  } catch (error) {
    replace(box, pageHead("Customer"), errorBox(error));
  }
}
