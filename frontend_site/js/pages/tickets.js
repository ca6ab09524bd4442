// Support tickets: customers open and reply; staff reply and resolve. Both see the same thread.

import { get, post, q } from "../api.js";
import { h, replace } from "../dom.js";
import { dateTime } from "../format.js";
import { navigate } from "../nav.js";
import { isStaff } from "../state.js";
import { badge, errorBox, field, flash, form, FormError, input, link, load, loading, pageHead, select, table } from "../ui.js";

const CATEGORIES = ["account", "card", "transfer", "loan", "statement", "other"];

export async function ticketsPage(view) {
  const listBox = h("section", { class: "panel", "aria-labelledby": "tickets-title" });
  const newBox = h("section", { class: "panel", "aria-labelledby": "new-ticket-title" });
  view.append(pageHead("Support"), h("div", { class: "grid two" }, listBox, newBox));
  load(listBox, () => get("/tickets?limit=50"), (result) => [h("h2", { id: "tickets-title" }, "Your tickets"), ticketTable(result.items || [], "/tickets")]);

  const category = select("category", CATEGORIES.map((c) => ({ value: c, label: c.charAt(0).toUpperCase() + c.slice(1) })));
  const subject = input("subject", { maxlength: "200", required: true });
  const message = h("textarea", { name: "message", maxlength: "2000", required: true });
  const opener = form(
    [field("Topic", category), field("Subject", subject), field("Message", message)],
    async (values) => {
      if (!values.subject) throw new FormError("subject", "Give the ticket a short subject.");
      if (!values.message) throw new FormError("message", "Tell us what happened.");
      const ticket = await post("/tickets", values);
      flash("Ticket opened: our staff will answer here.");
      navigate(`/tickets/${ticket.ticket_id}`);
    },
    { submitLabel: "Open ticket", busyLabel: "Sending…" },
  );
  replace(newBox, h("h2", { id: "new-ticket-title" }, "Ask us something"), opener);
}

export function ticketTable(items, base) {
  const sorted = [...items].sort((a, b) => String(b.updated_at).localeCompare(String(a.updated_at)));
  return table(
    [
      { label: "Subject", value: (t) => link(`#${base}/${t.ticket_id}`, t.subject) },
      { label: "Topic", value: (t) => t.category },
      { label: "State", value: (t) => badge(t.status) },
      { label: "Messages", num: true, value: (t) => String(t.message_count) },
      { label: "Updated", value: (t) => dateTime(t.updated_at) },
    ],
    sorted,
    { caption: "Tickets", empty: "No tickets." },
  );
}

export async function ticketPage(view, { id }) {
  const base = isStaff() ? "/staff/tickets" : "/tickets";
  const box = h("div", {}, loading("Loading the conversation…"));
  view.append(box);
  let ticket;
  try {
    ticket = await get(`/tickets/${q(id)}`);
  } catch (error) {
    if (error.status === 404) {
      replace(box, pageHead("Ticket not found"), h("div", { class: "alert error", role: "alert" }, "We could not find that ticket."), link(`#${base}`, "Back to tickets", "btn secondary"));
    } else {
      replace(box, errorBox(error));
    }
    return;
  }
  const thread = h(
    "ol",
    { class: "thread", "aria-label": "Conversation" },
    (ticket.messages || []).map((m) =>
      h(
        "li",
        { class: m.author_role === "staff" ? "staff" : "customer", "data-author": m.author_role },
        h("div", { class: "meta" }, m.author_role === "staff" ? "Arhan Financial support" : isStaff() ? "Customer" : "You", " · ", dateTime(m.at)),
        h("div", { class: "body" }, m.body),
      ),
    ),
  );
  const actions = [];
  if (isStaff() && ticket.status !== "resolved") {
    const resolve = h("button", { type: "button", class: "btn secondary" }, "Mark resolved");
    resolve.addEventListener("click", async () => {
      resolve.disabled = true;
      try {
        await post(`/staff/tickets/${q(ticket.ticket_id)}/resolve`, {});
        flash("Ticket resolved.");
        navigate(`${base}/${ticket.ticket_id}`);
      } catch (error) {
        resolve.disabled = false;
        box.append(errorBox(error));
      }
    });
    actions.push(resolve);
  }
  const replyBox = h("section", { class: "panel", "aria-labelledby": "reply-title" }, h("h2", { id: "reply-title" }, "Reply"));
  if (ticket.status === "resolved") {
    replyBox.append(h("p", { class: "muted" }, isStaff() ? "This ticket is resolved." : "This ticket is resolved. Open a new ticket if you need more help."));
  } else {
    const message = h("textarea", { name: "message", maxlength: "2000", required: true });
    replyBox.append(
      form(
        [field(isStaff() ? "Answer the customer" : "Your message", message)],
        async (values) => {
          if (!values.message) throw new FormError("message", "Write a message first.");
          await post(`/tickets/${q(ticket.ticket_id)}/messages`, { message: values.message });
          flash("Message sent.");
          navigate(`${base}/${ticket.ticket_id}`);
        },
        { submitLabel: "Send", busyLabel: "Sending…", extraActions: actions },
      ),
    );
  }
  replace(
    box,
    pageHead(ticket.subject, link(`#${base}`, "All tickets", "btn secondary")),
    h("p", { class: "row" }, badge(ticket.status), h("span", { class: "muted small" }, `${ticket.category} · opened ${dateTime(ticket.created_at)}`), isStaff() ? h("span", { class: "muted small mono" }, `customer ${ticket.owner_id}`) : null),
    h("section", { class: "panel", "aria-label": "Messages" }, thread),
    replyBox,
  );
}
