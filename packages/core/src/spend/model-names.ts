/**
 * What a model name stands for, the one rule prices and budgets both compare names by (docs/budgets.md,
 * Model names): a call may write the same model as `gpt-4o`, `GPT-4o `, `openai/gpt-4o`,
 * `models/gpt-4o` or `gpt-4o:latest`, and a budget on gpt-4o counts every one of them.
 */

/** The `:latest` tag (Ollama, some gateways): the model itself. Other tags (`llama3:8b`) name another model. */
const LATEST_TAG = ":latest";

/**
 * A model name as prices and budgets compare it: without surrounding whitespace, lower-case, without
 * a provider or path prefix (everything up to the last `/`: `openai/`, `anthropic/`, `models/`,
 * `publishers/google/models/`) and without a `:latest` tag. A dated snapshot (`gpt-4o-2024-08-06`)
 * stays as it is: the price table says which model it is a snapshot of (baseModelOf). A name that
 * would be left empty (`models/`, `:latest`) stays as written. Given its own answer, it gives it again.
 */
export function normalizeModelName(name: string): string {
  let model = name.trim().toLowerCase();
  for (;;) {
    const slash = model.lastIndexOf("/");
    const bare = slash >= 0 && slash < model.length - 1 ? model.slice(slash + 1) : model;
    const untagged = bare.endsWith(LATEST_TAG) && bare.length > LATEST_TAG.length ? bare.slice(0, -LATEST_TAG.length) : bare;
    if (untagged === model) return model;
    model = untagged;
  }
}
