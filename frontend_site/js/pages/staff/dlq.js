// The ledger's dead-letter queue: events the ledger could not post after retries; redrive sends them back.

import { get, post } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dateTime } from "../../format.js";
import { busy, errorBox, load, pageHead, showNotice, table } from "../../ui.js";

export async function dlqPage(view) {
  const box = h("section", { class: "panel" });
  const redrive = h("button", { type: "button", class: "btn" }, "Redrive all to the ledger queue");
  view.append(pageHead("Dead-letter queue", redrive), box);
  const show = () =>
    load(box, () => get("/staff/dlq"), (d) => [
      h("p", {}, h("strong", { "data-testid": "dlq-count" }, String(d.approximate_messages)), " message(s) waiting."),
      table(
        [
          { label: "Sent", value: (m) => dateTime(m.sent_at) },
          { label: "Event", value: (m) => `${m.type || "?"}` },
          { label: "Payment", value: (m) => h("span", { class: "mono small" }, m.payment_id || "") },
          { label: "Receives", num: true, value: (m) => String(m.receive_count) },
          { label: "Hint", value: (m) => m.error_hint || "" },
          { label: "Body", value: (m) => h("span", { class: "mono small" }, m.body_preview || "") },
        ],
        d.messages || [],
        { caption: "Dead letters", empty: "The dead-letter queue is empty." },
      ),
    ]);
  redrive.addEventListener("click", () =>
    busy(redrive, async () => {
      try {
        const result = await post("/staff/dlq/redrive", { max_messages: 100 });
        showNotice(`Moved ${result.moved} message(s) back to the ledger queue; about ${result.approximate_remaining} remain.`);
        show();
      } catch (error) {
        replace(box, errorBox(error));
      }
    }, "Redriving…"),
  );
  show();
}
