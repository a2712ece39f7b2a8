// An addon built into target/<folder>/ by a `napi build --output-dir` script of package.json.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The `.node` file of target/<folder>/, loaded; `script`: the npm script that builds it. */
export const builtAddon = (folder, script) => {
  const path = fileURLToPath(new URL(`../../target/${folder}/`, import.meta.url));
  const file = existsSync(path) && readdirSync(path).find((name) => name.endsWith('.node'));
  if (!file) throw new Error(`no addon in ${path}: run \`npm run ${script}\``);
  return require(`${path}${file}`);
};
