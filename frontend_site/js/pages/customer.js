// The customer's routes.

import { dashboardPage } from "./dashboard.js";
import { accountPage, openAccountPage } from "./accounts.js";
import { transferPage } from "./transfer.js";
import { cardsPage } from "./cards.js";
import { checkoutPage } from "./checkout.js";
import { payPage } from "./pay.js";
import { loansPage } from "./loans.js";
import { ticketPage, ticketsPage } from "./tickets.js";
import { statementsPage } from "./statements.js";
import { analyticsPage } from "./analytics.js";
import { profilePage } from "./profile.js";

export const routes = [
  { path: "/dashboard", title: "Dashboard", render: dashboardPage },
  { path: "/open-account", title: "Open an account", render: openAccountPage },
  { path: "/accounts/:number", title: "Account", render: accountPage },
  { path: "/transfer", title: "Send money", render: transferPage },
  { path: "/cards", title: "Cards", render: cardsPage },
  { path: "/checkout", title: "Merchant checkout", render: checkoutPage },
  { path: "/pay/:request_id", title: "Confirm a card payment", render: payPage },
  { path: "/loans", title: "Loans", render: loansPage },
  { path: "/tickets", title: "Support", render: ticketsPage },
  { path: "/tickets/:id", title: "Ticket", render: ticketPage },
  { path: "/statements", title: "Statements", render: statementsPage },
  { path: "/analytics", title: "Analytics", render: analyticsPage },
  { path: "/profile", title: "Profile", render: profilePage },
];
