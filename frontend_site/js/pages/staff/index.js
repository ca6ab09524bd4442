// The staff (and admin) routes.

import { staffDashboardPage } from "./dashboard.js";
import { loanQueuePage } from "./loans.js";
import { staffTicketsPage } from "./tickets.js";
import { customerPage, searchPage } from "./search.js";
import { staffAccountPage } from "./account.js";
import { transactionsPage } from "./transactions.js";
import { ledgerPage } from "./ledger.js";
import { dlqPage } from "./dlq.js";
import { staffUsersPage } from "./users.js";
import { approvalsPage } from "./approvals.js";
import { ticketPage } from "../tickets.js";
import { profilePage } from "../profile.js";

export const routes = [
  { path: "/staff", title: "Bank dashboard", render: staffDashboardPage },
  { path: "/staff/loans", title: "Loan queue", render: loanQueuePage },
  { path: "/staff/tickets", title: "Tickets", render: staffTicketsPage },
  { path: "/staff/tickets/:id", title: "Ticket", render: ticketPage },
  { path: "/staff/search", title: "Search", render: searchPage },
  { path: "/staff/customers/:id", title: "Customer", render: customerPage },
  { path: "/staff/accounts/:number", title: "Account", render: staffAccountPage },
  { path: "/staff/transactions", title: "Transactions", render: transactionsPage },
  { path: "/staff/approvals", title: "Approvals", render: approvalsPage },
  { path: "/staff/ledger", title: "Ledger", render: ledgerPage },
  { path: "/staff/dlq", title: "Dead-letter queue", render: dlqPage },
  { path: "/staff/profile", title: "Profile", render: profilePage },
  { path: "/admin/staff", title: "Staff management", render: staffUsersPage, admin: true },
];
