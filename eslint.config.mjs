// ESLint for the web app (plain ES modules served as they are from web/, no build step) and its
// unit tests (tests/web/, run by node --test). `make lint` runs it; no formatting rules here.
import js from "@eslint/js";
import globals from "globals";

// Browser globals that read like ordinary variable names: using one by mistake (a forgotten
// parameter called `event` or `name`) runs without error and does the wrong thing.
const CONFUSING_BROWSER_GLOBALS = [
  "event", "name", "status", "length", "top", "parent", "self", "opener", "origin", "close",
  "closed", "open", "find", "print", "stop", "external",
];

export default [
  js.configs.recommended,
  {
    files: ["web/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "no-restricted-globals": ["error", ...CONFUSING_BROWSER_GLOBALS],
    },
  },
  {
    files: ["tests/web/**/*.mjs", "eslint.config.mjs"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
  },
  {
    rules: {
      eqeqeq: ["error", "always"],
      "no-implicit-globals": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
      "no-unused-expressions": "error",
      "no-var": "error",
      "prefer-const": "error",
    },
  },
];
