// The bank's rules (public GET /config: transfer limits, loan terms, account rules, in kobo). Asked for
// once per page load and shared by every page: the site keeps no copy of a rule, so it shows and
// checks what the bank enforces.

import { api } from "./api.js";

let asked = null;

/** The rules; a failed request is forgotten, so the next page asks again. */
export function bankRules() {
  if (!asked) {
    asked = api("GET", "/config", { auth: false }).catch((error) => {
      asked = null;
      throw error;
    });
  }
  return asked;
}

/** The rules, or null when they cannot be had now: for text that can do without them. */
export function bankRulesIfAvailable() {
  return bankRules().catch(() => null);
}
