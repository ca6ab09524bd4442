// Staff ticket list by state; the thread page is shared with customers (pages/tickets.js).

import { get, q } from "../../api.js";
import { h } from "../../dom.js";
import { hashQuery, navigate } from "../../nav.js";
import { load, pageHead, select } from "../../ui.js";
import { ticketTable } from "../tickets.js";

const STATES = [
  ["open", "Open (waiting for us)"],
  ["answered", "Answered"],
  ["resolved", "Resolved"],
  ["", "All"],
];

export async function staffTicketsPage(view) {
  const query = hashQuery();
  const status = query.has("status") ? query.get("status") : "open";
  const filter = select("status", STATES.map(([value, label]) => ({ value, label, selected: value === status })), { "aria-label": "Show tickets that are" });
  filter.addEventListener("change", () => navigate(`/staff/tickets?status=${filter.value}`));
  const box = h("section", { class: "panel" });
  view.append(pageHead("Tickets", h("label", { class: "row" }, "Show ", filter)), box);
  load(box, () => get(`/tickets?limit=100${status ? `&status=${q(status)}` : ""}`), (result) => ticketTable(result.items || [], "/staff/tickets"));
}
