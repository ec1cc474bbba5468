import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/generated/**", "**/.next/**", "**/dist/**", "test-results/**", "playwright/report/**", "**/next-env.d.ts"] },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Environment is read and validated in one env.ts per app/package (STYLE 9).
      "no-restricted-properties": ["error", { object: "process", property: "env", message: "Read configuration through the package's env.ts." }],
    },
  },
  {
    files: ["**/env.ts", "scripts/**", "**/test/**", "**/*.test.ts", "playwright/**", "bench/**", "*.config.ts", "*.config.js", "apps/web/*.config.*"],
    rules: { "no-restricted-properties": "off" },
  },
);
