// Read a .env file with node's `dotenv` (dotenv.parse, what config() uses)
// and print its FEATURE_* values as one JSON object, for
// tests/dotenv_readers.rs. Usage: node read.js PREFIX FILE, where PREFIX
// holds node_modules/dotenv (target/dotenv-readers/node).
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const [prefix, file] = process.argv.slice(2);
const dotenv = require(join(resolve(prefix), 'node_modules', 'dotenv'));
const { version } = require(join(resolve(prefix), 'node_modules', 'dotenv', 'package.json'));
const parsed = dotenv.parse(readFileSync(file));
const values = {};
for (const k of Object.keys(parsed)) {
  if (k.startsWith('FEATURE_')) values[k] = parsed[k];
}
process.stdout.write(JSON.stringify({ reader: `dotenv ${version}`, values }) + '\n');
