import { z } from "zod";
import { orgBudgetListSchema, orgBudgets, orgBudgetSchema, orgBudgetsWeaken } from "../../spend/budgets";
import { wholeSetting } from "./setting";

/** `budgets`: the org-wide budgets (docs/budgets.md); a change replaces the whole list. */
export const budgetsSetting = wholeSetting({
  value: z.array(orgBudgetSchema).describe("Org-wide budgets (docs/budgets.md): each counts the calls its actions and agents match, beside the policies' budgets."),
  patch: orgBudgetListSchema,
  read: orgBudgets,
  rules: { weakens: orgBudgetsWeaken, weakening: "an org budget removed, its limit raised or removed, atLimit loosened, or what it counts changed: more calls may go through" },
});
