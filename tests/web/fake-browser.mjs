// The few browser globals the web app's pure modules touch, for the tests: localStorage (where
// lib/i18n.js keeps the language) and the language switch itself.

class MemoryStorage {
  #items = new Map();

  get length() {
    return this.#items.size;
  }

  key(index) {
    return [...this.#items.keys()][index] ?? null;
  }

  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }

  setItem(key, value) {
    this.#items.set(key, String(value));
  }

  removeItem(key) {
    this.#items.delete(key);
  }

  clear() {
    this.#items.clear();
  }
}

globalThis.localStorage = new MemoryStorage();

// What the language switch stores (lib/i18n.js): "fr" or "en".
export function setLanguage(lang) {
  globalThis.localStorage.setItem("pellicule-lang", lang);
}
