// Module resolution hook (see register.mjs): a specifier such as "/lib/i18n.js", imported by a
// module of web/ or by a test here, is the file web/lib/i18n.js. Anything else (node: built-ins,
// relative paths, file: URLs, the test files themselves) resolves as usual.
const WEB = new URL("../../web/", import.meta.url);
const TESTS = new URL("./", import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL || "";
  const fromApp = parent.startsWith(WEB.href) || parent.startsWith(TESTS.href);
  let target = specifier;
  if (fromApp && specifier.startsWith("/") && !specifier.startsWith("//")) {
    target = new URL(`.${specifier}`, WEB).href;
    if (!target.startsWith(WEB.href)) throw new Error(`${specifier} is outside web/`);
  }
  const resolved = await nextResolve(target, context);
  // web/ has no package.json: its .js files are ES modules, as the pages' <script type=module>.
  if (resolved.url.startsWith(WEB.href) && resolved.url.endsWith(".js")) {
    return { ...resolved, format: "module" };
  }
  return resolved;
}
