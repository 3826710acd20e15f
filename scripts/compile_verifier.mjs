// Compile the on-chain Groth16 verifier with a pinned solc, and write (or check) the committed
// build outputs next to the source:
//
//     verifier/evm/Groth16Verifier.sol   the contract (input, hand-written)
//     verifier/evm/Groth16Verifier.bin   its creation bytecode, hex (output)
//     verifier/evm/Groth16Verifier.json  compiler, settings, source SHA-256, ABI, selectors (output)
//
// Run from the repository root:
//
//     npm install --no-save solc@0.8.28
//     node scripts/compile_verifier.mjs           # write the outputs
//     node scripts/compile_verifier.mjs --check   # exit 1 if the committed outputs differ
//
// (or install solc@0.8.28 anywhere and point NODE_PATH at that node_modules). Nothing in
// `cargo test` needs node: the Rust tests use the committed .bin and check that the .sol still
// has the SHA-256 recorded in the .json (docs/evm.md).

import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIR = path.join(ROOT, "verifier", "evm");
const NAME = "Groth16Verifier";
const SOLC_VERSION = "0.8.28";

const solc = require("solc");
const version = solc.version();
if (!version.startsWith(SOLC_VERSION + "+")) {
  console.error(`solc ${version} found, this script is pinned to ${SOLC_VERSION}: npm install --no-save solc@${SOLC_VERSION}`);
  process.exit(2);
}

const source = fs.readFileSync(path.join(DIR, `${NAME}.sol`), "utf8");
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "paris",
  outputSelection: { "*": { [NAME]: ["abi", "evm.bytecode.object", "evm.methodIdentifiers"] } },
};
const input = { language: "Solidity", sources: { [`${NAME}.sol`]: { content: source } }, settings };
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
for (const e of output.errors || []) console.error(e.formattedMessage);
if (errors.length > 0) process.exit(1);

const contract = output.contracts[`${NAME}.sol`][NAME];
const bin = contract.evm.bytecode.object + "\n";
const { outputSelection, ...recorded } = settings;
const meta =
  JSON.stringify(
    {
      compiler: `solc-js ${version}`,
      settings: recorded,
      source: `${NAME}.sol`,
      sourceSha256: crypto.createHash("sha256").update(source).digest("hex"),
      bytecodeBytes: contract.evm.bytecode.object.length / 2,
      methodIdentifiers: contract.evm.methodIdentifiers,
      abi: contract.abi,
    },
    null,
    2,
  ) + "\n";

const binPath = path.join(DIR, `${NAME}.bin`);
const metaPath = path.join(DIR, `${NAME}.json`);
if (process.argv.includes("--check")) {
  const same = (p, s) => fs.existsSync(p) && fs.readFileSync(p, "utf8") === s;
  const ok = same(binPath, bin) && same(metaPath, meta);
  console.log(ok ? "committed bytecode matches solc " + version : "committed bytecode DIFFERS from solc " + version);
  process.exit(ok ? 0 : 1);
}
fs.writeFileSync(binPath, bin);
fs.writeFileSync(metaPath, meta);
console.log(`wrote ${path.relative(ROOT, binPath)} (${contract.evm.bytecode.object.length / 2} bytes) and ${path.relative(ROOT, metaPath)} with solc ${version}`);
