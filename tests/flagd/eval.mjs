// Evaluate boolean flags of a flagd document with the real OpenFeature flagd
// evaluator (@openfeature/flagd-core), for tests/flags.rs.
//
//   node tests/flagd/eval.mjs PREFIX DOC.json < requests.json
//
// PREFIX is the npm prefix holding node_modules/@openfeature/flagd-core
// (target/flagd-core, see .ci/install-test-deps). requests.json is a JSON
// array of [flag, targetingKey] pairs. Prints one JSON object:
//   { "version": "4.0.1",
//     "schemaErrors": [...],            // strict validation against flagd's schema
//     "results": [{ "flag", "key", "value", "variant", "reason", "errorCode" }] }
// Exits 2 on bad usage, 1 when the document cannot be loaded at all.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const [prefix, docPath] = process.argv.slice(2);
if (!prefix || !docPath) {
  process.stderr.write('usage: node eval.mjs PREFIX DOC.json < requests.json\n');
  process.exit(2);
}

const require = createRequire(join(resolve(prefix), 'package.json'));
const { FlagdCore, MemoryStorage } = require('@openfeature/flagd-core');
const { version } = require('@openfeature/flagd-core/package.json');

const logs = [];
const logger = {
  error: (...a) => logs.push(['error', a.map(String).join(' ')]),
  warn: (...a) => logs.push(['warn', a.map(String).join(' ')]),
  info: (...a) => logs.push(['info', a.map(String).join(' ')]),
  debug: (...a) => logs.push(['debug', a.map(String).join(' ')]),
};

const doc = readFileSync(docPath, 'utf8');

// Strict pass: flagd's own JSON schema for flag documents.
const schemaErrors = [];
try {
  new MemoryStorage(logger).setConfigurations(doc, true);
} catch (e) {
  schemaErrors.push(String(e && e.message ? e.message : e));
}

// The evaluation pass, as an in-process provider would load the file.
const core = new FlagdCore(undefined, logger);
try {
  core.setConfigurations(doc);
} catch (e) {
  process.stderr.write(`flagd-core could not load ${docPath}: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
}

const requests = JSON.parse(readFileSync(0, 'utf8'));
const results = requests.map(([flag, key]) => {
  const ctx = key === null ? {} : { targetingKey: key };
  const r = core.resolveBooleanEvaluation(flag, false, ctx, logger);
  return {
    flag,
    key,
    value: r.value,
    variant: r.variant ?? null,
    reason: r.reason ?? null,
    errorCode: r.errorCode ?? null,
  };
});

process.stdout.write(JSON.stringify({ version, schemaErrors, results, warnings: logs.filter(([l]) => l !== 'debug') }) + '\n');
