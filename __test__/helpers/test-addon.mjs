// The test addon: the same Rust code built with the `test-probes` feature (panic and codec
// probes), by `npm run build:test-addon` (part of `npm test`). The shipped addon has no probes.
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const folder = fileURLToPath(new URL('../../target/test-addon/', import.meta.url));

const file = readdirSync(folder).find((name) => name.endsWith('.node'));
if (!file) throw new Error(`no test addon in ${folder}: run \`npm run build:test-addon\``);

export const testAddon = require(`${folder}${file}`);
