// Payments by day (or one account's history), with reversal of completed transfers and card payments.

import { get, q } from "../../api.js";
import { h } from "../../dom.js";
import { dateTime, kindLabel, money, utcDay } from "../../format.js";
import { hashQuery, navigate } from "../../nav.js";
import { badge, field, form, input, load, pageHead, table } from "../../ui.js";
import { reversedNote } from "../common.js";
import { reverseControl } from "./reversal.js";
import { openProposals, proposalsBy } from "./proposals.js";

export async function transactionsPage(view) {
  const query = hashQuery();
  const day = query.get("date") || utcDay(new Date());
  const dateInput = input("date", { type: "date", value: day, required: true });
  const picker = form([field("Day (UTC)", dateInput)], async (values) => navigate(`/staff/transactions?date=${values.date}`), { submitLabel: "Show" });
  const box = h("section", { class: "panel" });
  view.append(pageHead("Transactions"), h("section", { class: "panel narrow" }, picker), box);
  const back = `/staff/transactions?date=${day}`;
  const loader = async () => {
    const [page, pending] = await Promise.all([get(`/staff/transfers?date=${q(day)}&limit=100`), openProposals().catch(() => [])]);
    return { ...page, reversals: proposalsBy(pending, "reversal", "payment_id") };
  };
  load(box, loader, (r) =>
    table(
      [
        { label: "Time", value: (p) => dateTime(p.created_at) },
        { label: "Kind", value: (p) => kindLabel(p.kind) },
        { label: "From", value: (p) => accountLink(p.from_account) },
        { label: "To", value: (p) => accountLink(p.to_account) },
        { label: "Description", value: (p) => p.description || "" },
        { label: "Status", value: (p) => [badge(p.status), p.reverses ? h("span", { class: "small muted" }, ` reverses ${p.reverses}`) : "", reversedNote(p)] },
        { label: "Amount", num: true, value: (p) => money(p.amount) },
        { label: "", value: (p) => reverseControl(p, back, r.reversals.get(p.payment_id)) },
      ],
      r.items || [],
      { caption: `Payments on ${day}`, empty: "No payments on this day." },
    ),
  );
}

function accountLink(account) {
  if (!account || String(account).startsWith("bank:")) return h("span", { class: "muted" }, account || "");
  return h("a", { href: `#/staff/accounts/${account}`, class: "mono" }, account);
}
