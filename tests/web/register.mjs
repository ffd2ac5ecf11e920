// `node --import ./tests/web/register.mjs --test tests/web/`: lets Node load the web app's
// modules as the browser does. They import each other by absolute URL path
// (`import { t } from "/lib/i18n.js"`), which the gateway and CloudFront serve from web/;
// the resolve hook (web-paths.mjs) maps those paths to the files in web/. No bundler.
import { register } from "node:module";

register("./web-paths.mjs", import.meta.url);
