// Four eyes: staff actions that move the bank's money (reversals, interest runs, large loan approvals,
// closing an account with a balance) come back as a proposal (202) that a second staff member approves
// on the Approvals page. These helpers recognise a proposal and say so wherever it was made.

import { getAll } from "../../api.js";
import { h } from "../../dom.js";
import { dateTime } from "../../format.js";

export const KIND_LABELS = {
  reversal: "Reversal",
  interest_run: "Interest run",
  loan_approval: "Loan approval",
  account_closure: "Account closure with payout",
};

export function kindLabel(kind) {
  return KIND_LABELS[kind] || String(kind || "").replace(/_/g, " ");
}

/** A 202 answer is a ProposalView (an action done at once answers its own view, without one). */
export function isProposal(result) {
  return Boolean(result && typeof result.proposal_id === "string" && result.kind);
}

/** "Proposed — waiting for a second staff member" with the proposal's id and the way to Approvals. */
export function proposedNotice(proposal) {
  return h(
    "span",
    { "data-testid": "proposed" },
    `${kindLabel(proposal.kind)} proposed — waiting for a second staff member (proposal `,
    h("span", { class: "mono", "data-testid": "proposal-id" }, proposal.proposal_id),
    "). ",
    h("a", { href: "#/staff/approvals" }, "Approvals"),
  );
}

/** A short note where the action would be, while its proposal waits. */
export function pendingNote(proposal) {
  return h(
    "span",
    { class: "small muted", "data-testid": "pending-proposal" },
    `${kindLabel(proposal.kind)} proposed by ${proposal.proposed_by_username || proposal.proposed_by} ${dateTime(proposal.proposed_at)} — waiting for a second staff member (`,
    h("a", { href: "#/staff/approvals", class: "mono" }, proposal.proposal_id),
    ")",
  );
}

/** Every open proposal (oldest first, as the API lists them). */
export function openProposals() {
  return getAll("/staff/proposals", { limit: 100, maxPages: 5 });
}

/** Open proposals by a key of their details (e.g. payment_id → its reversal proposal). */
export function proposalsBy(proposals, kind, key) {
  const found = new Map();
  for (const proposal of proposals) {
    if (proposal.kind !== kind) continue;
    const value = proposal.details && proposal.details[key];
    if (value !== undefined && value !== null) found.set(String(value), proposal);
  }
  return found;
}
