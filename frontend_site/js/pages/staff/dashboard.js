// The bank at a glance: pool, deposits, loans outstanding, income; money in and out of the bank's own
// accounts per day over the last week; pending work.

import { get, getAll } from "../../api.js";
import { h, replace } from "../../dom.js";
import { dayLabel, money, utcDay } from "../../format.js";
import { moneyChart } from "../../charts.js";
import { errorBox, link, loading, pageHead, stat } from "../../ui.js";

const isBank = (account) => String(account || "").startsWith("bank:");

export async function staffDashboardPage(view) {
  const stats = h("section", { "aria-label": "Bank totals" }, loading("Loading the bank's totals…"));
  const charts = h("div", { class: "grid two" });
  const totalsChart = h("section", { class: "panel", "aria-labelledby": "totals-title" }, h("h2", { id: "totals-title" }, "Balance sheet"), loading());
  const flowChart = h("section", { class: "panel", "aria-labelledby": "flow-title" }, h("h2", { id: "flow-title" }, "Inflow and outflow, last 7 days"), loading());
  charts.append(totalsChart, flowChart);
  view.append(pageHead("Bank dashboard", link("#/staff/loans", "Loan queue", "btn"), link("#/staff/tickets", "Tickets", "btn secondary")), stats, charts);

  try {
    const [d, proposals] = await Promise.all([get("/staff/dashboard"), get("/staff/proposals?limit=100").catch(() => null)]);
    const waiting = proposals ? `${(proposals.items || []).length}${proposals.next_cursor ? "+" : ""}` : "?";
    replace(
      stats,
      h(
        "div",
        { class: "grid four" },
        stat("Pool balance", money(d.pool_balance), "the bank's own funds"),
        stat("Customer deposits", money(d.customer_deposits)),
        stat("Loans outstanding", money(d.loans_receivable), `${d.active_loans ?? 0} active loan(s)`),
        stat("Interest income", money(d.interest_income)),
      ),
      h(
        "div",
        { class: "grid two" },
        h("div", { class: "panel row" }, h("strong", {}, `${d.pending_loans ?? 0} loan application(s) waiting`), link("#/staff/loans", "Review")),
        h("div", { class: "panel row" }, h("strong", {}, `${d.open_tickets ?? 0} open ticket(s), ${d.answered_tickets ?? 0} answered`), link("#/staff/tickets", "Answer")),
        h("div", { class: "panel row" }, h("strong", { "data-testid": "proposals-waiting" }, `${waiting} proposal(s) waiting for a second staff member`), link("#/staff/approvals", "Open approvals")),
      ),
    );
    replace(
      totalsChart,
      h("h2", { id: "totals-title" }, "Balance sheet"),
      moneyChart({
        title: "Pool, deposits, loans outstanding and interest income",
        type: "bar",
        labels: ["Pool", "Deposits", "Loans outstanding", "Interest income"],
        series: [{ label: "Amount", data: [d.pool_balance, d.customer_deposits, d.loans_receivable, d.interest_income].map((v) => Math.abs(Number(v || 0))) }],
      }),
    );
  } catch (error) {
    replace(stats, errorBox(error));
    replace(totalsChart, h("h2", { id: "totals-title" }, "Balance sheet"), h("p", { class: "muted" }, "Unavailable."));
  }

  try {
    const days = [];
    for (let i = 6; i >= 0; i -= 1) days.push(utcDay(new Date(Date.now() - i * 86_400_000)));
    const perDay = await Promise.all(days.map((day) => getAll(`/staff/transfers?date=${day}`, { limit: 100, maxPages: 5 })));
    const inflow = [];
    const outflow = [];
    const transfers = [];
    perDay.forEach((payments) => {
      let into = 0;
      let out = 0;
      let between = 0;
      for (const p of payments) {
        if (p.status && p.status !== "completed") continue;
        for (const leg of p.legs && p.legs.length ? p.legs : [p]) {
          const amount = Number(leg.amount || 0);
          if (isBank(leg.from_account) && isBank(leg.to_account)) continue;
          if (isBank(leg.to_account)) into += amount;
          else if (isBank(leg.from_account)) out += amount;
          else between += amount;
        }
      }
      inflow.push(into);
      outflow.push(out);
      transfers.push(between);
    });
    replace(
      flowChart,
      h("h2", { id: "flow-title" }, "Inflow and outflow, last 7 days"),
      h("p", { class: "small muted" }, "Inflow: money customers pay to the bank (loan repayments). Outflow: money the bank pays customers (bonuses, loans, interest). Customer payments: between customers."),
      moneyChart({
        title: "Inflow and outflow per day",
        type: "line",
        labels: days.map(dayLabel),
        series: [
          { label: "Inflow", data: inflow },
          { label: "Outflow", data: outflow },
          { label: "Customer payments", data: transfers },
        ],
      }),
    );
  } catch (error) {
    replace(flowChart, h("h2", { id: "flow-title" }, "Inflow and outflow, last 7 days"), errorBox(error));
  }
}
