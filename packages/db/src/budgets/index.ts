export { listBudgets } from "./list-budgets";
export { listPrices } from "./list-prices";
export { releaseDueReservations, BUDGET_ACTOR } from "./release-reservations";
