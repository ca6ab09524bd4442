// The ledger for staff: trial balance, reconciliation against payments, hash-chain verification.

import { get } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime, money } from "../../format.js";
import { busy, errorBox, facts, loading, pageHead, table } from "../../ui.js";

function panel(id, title, description, run) {
  const body = h("div");
  const button = h("button", { type: "button", class: "btn" }, "Run");
  const section = h("section", { class: "panel", "aria-labelledby": id }, h("div", { class: "page-head" }, h("h2", { id }, title), button), h("p", { class: "small muted" }, description), body);
  const go = () =>
    busy(button, async () => {
      replace(body, loading());
      try {
        replace(body, run(await runFetch(run.path)));
      } catch (error) {
        replace(body, errorBox(error));
      }
    }, "Running…");
  button.addEventListener("click", go);
  return { section, go };
}

function runFetch(path) {
  return get(path);
}

function verdict(ok, good, bad) {
  return h("p", { class: `alert ${ok ? "ok" : "error"}`, role: "status" }, ok ? good : bad);
}

function trialBalance(tb) {
  return [
    verdict(tb.balanced, "Balanced: total debits equal total credits.", `Out of balance by ${money(tb.difference)}.`),
    facts([
      ["As of", dateTime(tb.as_of)],
      ["Total debits", money(tb.total_debits)],
      ["Total credits", money(tb.total_credits)],
    ]),
    h("h3", {}, "By category"),
    table(
      [
        { label: "Category", value: (r) => r.category },
        { label: "Accounts", num: true, value: (r) => String(r.accounts) },
        { label: "Debits", num: true, value: (r) => money(r.debits) },
        { label: "Credits", num: true, value: (r) => money(r.credits) },
        { label: "Balance", num: true, value: (r) => money(r.balance) },
      ],
      Object.entries(tb.by_category || {}).map(([category, t]) => ({ category, ...t })),
      { caption: "Totals by category" },
    ),
    h("h3", {}, "Bank accounts"),
    table(
      [
        { label: "Account", value: (r) => h("span", { class: "mono" }, r.account_id) },
        { label: "Category", value: (r) => r.category },
        { label: "Debits", num: true, value: (r) => money(r.debits) },
        { label: "Credits", num: true, value: (r) => money(r.credits) },
        { label: "Balance", num: true, value: (r) => money(r.balance) },
      ],
      tb.bank_accounts || [],
      { caption: "Bank accounts" },
    ),
  ];
}
trialBalance.path = "/staff/ledger/trial-balance";

function reconciliation(r) {
  return [
    verdict(r.matched, "Reconciled: every ledger balance matches payments' balance.", `${(r.differences || []).length} account(s) differ.`),
    facts([
      ["As of", dateTime(r.as_of)],
      ["Positions checked", String(r.positions_checked)],
      ["Ledger accounts checked", String(r.ledger_accounts_checked)],
    ]),
    (r.differences || []).length
      ? table(
          [
            { label: "Account", value: (d) => h("span", { class: "mono" }, d.account) },
            { label: "Payments", num: true, value: (d) => money(d.payments_balance) },
            { label: "Ledger", num: true, value: (d) => money(d.ledger_balance) },
            { label: "Difference", num: true, value: (d) => money(d.difference) },
          ],
          r.differences,
          { caption: "Differences" },
        )
      : null,
  ];
}
reconciliation.path = "/staff/ledger/reconciliation";

function verify(v) {
  return [
    verdict(v.ok, "Every hash chain is intact.", `Tampering detected in ${(v.broken_accounts || []).length} account(s).`),
    facts([
      ["Accounts checked", String(v.accounts_checked)],
      ["Entries checked", String(v.entries_checked)],
      v.next_cursor ? ["More", "Only the first page of accounts was checked."] : null,
    ]),
    (v.breaks || []).length
      ? table(
          [
            { label: "Account", value: (b) => h("span", { class: "mono" }, b.account_id) },
            { label: "Entry", value: (b) => h("span", { class: "mono small" }, b.entry_id) },
            { label: "Seq", num: true, value: (b) => String(b.seq) },
            { label: "Problem", value: (b) => b.reason },
          ],
          v.breaks,
          { caption: "Chain breaks" },
        )
      : null,
  ];
}
verify.path = "/staff/ledger/verify?limit=100";

export async function ledgerPage(view) {
  const tb = panel("tb-title", "Trial balance", "Total debits and credits across the whole ledger.", trialBalance);
  const rec = panel("rec-title", "Reconciliation", "Ledger balances compared with payments' balances, account by account.", reconciliation);
  const ver = panel("verify-title", "Chain verification", "Recomputes every entry's hash to detect tampering.", verify);
  view.append(pageHead("Ledger"), tb.section, h("div", { class: "grid two" }, rec.section, ver.section));
  tb.go();
}

