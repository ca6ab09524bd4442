// A "Reverse" control for a completed transfer or card payment: staff give a reason and the reversal is
// proposed (four eyes); once a second staff member approves it, the bank books a new, linked movement
// with the legs swapped and marks the original `reversed_by` (at most once).

import { post, q } from "../../api.js";
import { h } from "../../dom.js";
import { money } from "../../format.js";
import { field, flash, form, FormError, input } from "../../ui.js";
import { navigate } from "../../nav.js";
import { isProposal, pendingNote, proposedNotice } from "./proposals.js";

const REVERSIBLE = new Set(["transfer", "card_capture"]);

export function canReverse(payment) {
  return REVERSIBLE.has(payment.kind) && payment.status === "completed" && !payment.reversed_by;
}

/** `pending`: the open reversal proposal of this payment, if there is one. */
export function reverseControl(payment, back, pending = null) {
  if (!canReverse(payment)) return "";
  if (pending) return pendingNote(pending);
  const reason = input("reason", { maxlength: "500", required: true, placeholder: "Why is it reversed?" });
  return h(
    "details",
    { class: "reverse" },
    h("summary", {}, "Reverse"),
    form(
      [field(`Reverse ${money(payment.amount)}`, reason)],
      async (values) => {
        if (!values.reason) throw new FormError("reason", "A reason is required.");
        const answer = await post(`/staff/transfers/${q(payment.payment_id)}/reversal`, { reason: values.reason });
        flash(isProposal(answer) ? proposedNotice(answer) : `Reversed: ${money(answer.amount)} returned (reference ${answer.payment_id}).`, "info");
        navigate(back);
      },
      { submitLabel: "Propose reversal", busyLabel: "Proposing…" },
    ),
  );
}
