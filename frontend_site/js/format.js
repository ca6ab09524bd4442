// Money is integer kobo everywhere; only display divides by 100. Parsing works on the string, so a
// typed "1,500.10" becomes exactly 150010 kobo without floating-point rounding.

const NGN = new Intl.NumberFormat("en-NG", { style: "currency", currency: "NGN" });
const NGN_WHOLE = new Intl.NumberFormat("en-NG", { style: "currency", currency: "NGN", maximumFractionDigits: 0 });
const NGN_COMPACT = new Intl.NumberFormat("en-NG", { style: "currency", currency: "NGN", notation: "compact", maximumFractionDigits: 1 });
const DATE_TIME = new Intl.DateTimeFormat("en-NG", { dateStyle: "medium", timeStyle: "short" });
const DATE = new Intl.DateTimeFormat("en-NG", { dateStyle: "medium" });
const DAY = new Intl.DateTimeFormat("en-NG", { day: "numeric", month: "short" });

export function money(kobo) {
  const value = Number(kobo || 0);
  return NGN.format(value / 100);
}

/** A limit or a bound in plain words: "₦100", "₦10,000,000" (kobo shown only when there are some). */
export function moneyWhole(kobo) {
  const value = Number(kobo || 0);
  return value % 100 === 0 ? NGN_WHOLE.format(value / 100) : money(value);
}

export function moneyCompact(kobo) {
  return NGN_COMPACT.format(Number(kobo || 0) / 100);
}

/** "1,500.50" or "1500" → kobo (integer); null when it is not a positive amount with ≤ 2 decimals. */
export function parseNaira(text) {
  const cleaned = String(text ?? "").trim().replace(/^₦/, "").replace(/,/g, "").trim();
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!match) return null;
  const kobo = Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  return Number.isSafeInteger(kobo) ? kobo : null;
}

/** kobo → "1500.50" for prefilling an input. */
export function nairaInput(kobo) {
  const value = Math.trunc(Number(kobo || 0));
  const naira = Math.trunc(value / 100);
  const rest = String(Math.abs(value % 100)).padStart(2, "0");
  return `${naira}.${rest}`;
}

export function dateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : DATE_TIME.format(date);
}

export function dateOnly(iso) {
  if (!iso) return "";
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(date.getTime()) ? String(iso) : DATE.format(date);
}

export function dayLabel(isoDay) {
  return DAY.format(new Date(`${isoDay}T12:00:00`));
}

/** Local calendar day "YYYY-MM-DD" of a Date. */
export function isoDay(date) {
  const y = date.getFullYear();
  const m = String(date.getMonth() + 1).padStart(2, "0");
  const d = String(date.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** UTC calendar day "YYYY-MM-DD" (the API's days are UTC). */
export function utcDay(date) {
  return date.toISOString().slice(0, 10);
}

/** 840 → "about 14 minutes"; under a minute → "less than a minute". */
export function aboutMinutes(seconds) {
  const value = Number(seconds || 0);
  if (value < 60) return "less than a minute";
  const minutes = Math.round(value / 60);
  return `about ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export function groupDigits(pan) {
  return String(pan || "").replace(/(.{4})(?=.)/g, "$1 ");
}

const KIND_LABELS = {
  transfer: "Transfer",
  welcome_bonus: "Welcome bonus",
  card_capture: "Card payment",
  reversal: "Reversal",
  loan_disbursement: "Loan disbursement",
  loan_repayment: "Loan repayment",
  interest: "Savings interest",
  opening: "Opening capital",
};

export function kindLabel(kind) {
  return KIND_LABELS[kind] || String(kind || "").replace(/_/g, " ");
}

export function titleCase(text) {
  const value = String(text || "").replace(/_/g, " ");
  return value.charAt(0).toUpperCase() + value.slice(1);
}
