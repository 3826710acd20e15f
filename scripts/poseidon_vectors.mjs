// Regenerate zkpot's Poseidon constants and known-answer vectors from circomlibjs.
//
// Run (from the repository root):
//
//     npm install --no-save circomlibjs@0.1.7
//     node scripts/poseidon_vectors.mjs
//
// (or install circomlibjs@0.1.7 anywhere and point NODE_PATH at that node_modules,
// e.g. `NODE_PATH=/tmp/circ/node_modules node scripts/poseidon_vectors.mjs`).
//
// It regenerates, overwriting:
//   * circuits/src/poseidon/constants.rs          -- ROUND_CONSTANTS, MDS, round counts (t = 3)
//   * circuits/tests/data/poseidon_vectors.json  -- known-answer vectors
//
// The one Poseidon used by zkpot is circomlib's BN254 Poseidon with width t = 3
// (2 inputs + 1 capacity/init lane), 8 full rounds, 57 partial rounds, x^5 S-box.
// Vectors come from circomlibjs's reference implementation
// (src/poseidon_reference.js, exported as buildPoseidonReference), called as
// poseidon([a, b], initState, 1); one vector is cross-checked against the optimized
// wasm-backed buildPoseidon() and the pure-JS buildPoseidonOpt().
// The script also re-implements the permutation with BigInt from the exported
// constants and asserts it agrees with circomlibjs on every vector.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const EXPECTED_VERSION = "0.1.7";
const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// circomlibjs's package "exports" hides src/, so locate the package directory by
// resolving its CommonJS entry (build/main.cjs) and import the ESM sources directly.
const pkgDir = path.resolve(path.dirname(require.resolve("circomlibjs")), "..");
const pkgJson = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
if (pkgJson.version !== EXPECTED_VERSION) {
    console.warn(`warning: circomlibjs ${pkgJson.version} found, script written against ${EXPECTED_VERSION}`);
}
const load = async (rel) => import(pathToFileURL(path.join(pkgDir, rel)).href);
const constants = (await load("src/poseidon_constants.js")).default;
const buildPoseidonReference = (await load("src/poseidon_reference.js")).default;
const buildPoseidonOpt = (await load("src/poseidon_opt.js")).default;
const { buildPoseidon } = await load("src/poseidon_wasm.js");

// BN254 scalar field modulus (Fr), as used by circomlibjs/ffjavascript "bn128".
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const T = 3;
const FULL_ROUNDS = 8;
const PARTIAL_ROUNDS = 57;

// ---- constants for t = 3 (index t - 2 = 1 in circomlibjs's tables) ----
const C = constants.C[T - 2].map((x) => BigInt(x));
const M = constants.M[T - 2].map((row) => row.map((x) => BigInt(x)));
if (C.length !== (FULL_ROUNDS + PARTIAL_ROUNDS) * T) throw new Error(`unexpected C length ${C.length}`);
if (M.length !== T || M.some((r) => r.length !== T)) throw new Error("unexpected M shape");
for (const x of [...C, ...M.flat()]) if (x < 0n || x >= P) throw new Error("non-canonical constant");

// ---- independent BigInt re-implementation (same structure as poseidon_reference.js) ----
const mod = (x) => ((x % P) + P) % P;
const pow5 = (x) => { const x2 = (x * x) % P; return (((x2 * x2) % P) * x) % P; };
function poseidonBig(inputs, init) {
    let s = [mod(init), ...inputs.map(mod)];
    for (let r = 0; r < FULL_ROUNDS + PARTIAL_ROUNDS; r++) {
        s = s.map((a, i) => mod(a + C[r * T + i]));
        if (r < FULL_ROUNDS / 2 || r >= FULL_ROUNDS / 2 + PARTIAL_ROUNDS) s = s.map(pow5);
        else s[0] = pow5(s[0]);
        // new_state[i] = sum_j M[i][j] * state[j]
        s = s.map((_, i) => s.reduce((acc, a, j) => mod(acc + M[i][j] * a), 0n));
    }
    return s[0];
}

// ---- circomlibjs hashers ----
const ref = await buildPoseidonReference();
const opt = await buildPoseidonOpt();
const wasm = await buildPoseidon();
const F = ref.F;
const toDec = (h, fld) => fld.toObject(h).toString();

const vectors = [];
function add(a, b, init, note, impl = "reference") {
    const inputs = [BigInt(a), BigInt(b)];
    init = BigInt(init);
    let out;
    if (impl === "reference") out = toDec(ref(inputs, init, 1), F);
    else if (impl === "wasm") out = toDec(wasm(inputs, init, 1), wasm.F);
    else throw new Error(impl);
    const mine = poseidonBig(inputs, init).toString();
    if (mine !== out) throw new Error(`BigInt re-implementation disagrees on ${note}`);
    // all three circomlibjs implementations must agree
    const o = toDec(opt(inputs, init, 1), opt.F);
    const w = toDec(wasm(inputs, init, 1), wasm.F);
    const r = toDec(ref(inputs, init, 1), F);
    if (o !== out || w !== out || r !== out) throw new Error(`circomlibjs implementations disagree on ${note}`);
    vectors.push({ inputs: [inputs[0].toString(), inputs[1].toString()], init: init.toString(), output: out, note, impl });
    return BigInt(out);
}

const WELL_KNOWN_1_2 = "7853200120776062878684798364095072458815029376092732009249414926327459813530";
if (add(1, 2, 0, "poseidon([1,2]) well-known value").toString() !== WELL_KNOWN_1_2) {
    throw new Error("poseidon([1,2]) does not match the well-known value");
}
add(0, 0, 0, "zeros");
add(3, 4, 0, "small inputs");
add(1, 2, 5, "non-zero init state");
add(P - 1n, P - 1n, 0, "p-1, p-1");
add(P - 1n, 0, P - 1n, "p-1, 0, init p-1");
add(P - 2n, P - 1n, P - 3n, "p-2, p-1, init p-3");
add(2n ** 253n, P - 12345n, 0, "2^253, p-12345");
add(1n << 128n, (1n << 200n) + 7n, 1n << 250n, "2^128, 2^200+7, init 2^250");
// chain: h0 = 0, h_{i+1} = poseidon([i+1, 2i+3], h_i)
let h = 0n;
for (let i = 0; i < 5; i++) {
    h = add(i + 1, 2 * i + 3, h, `chain step ${i}: h${i + 1} = poseidon([${i + 1}, ${2 * i + 3}], h${i})`);
}
add(1, 2, 0, "buildPoseidon() (optimized, wasm-backed) cross-check of [1,2]", "wasm");

// ---- write outputs ----
const vecPath = path.join(ROOT, "circuits/tests/data/poseidon_vectors.json");
fs.mkdirSync(path.dirname(vecPath), { recursive: true });
fs.writeFileSync(vecPath, JSON.stringify(vectors, null, 2) + "\n");
console.log(`wrote ${path.relative(ROOT, vecPath)} (${vectors.length} vectors)`);

const hex = (x) => "0x" + x.toString(16);
const rs = [];
rs.push(`//! Poseidon constants for circomlib's BN254 Poseidon, width t = 3 (2 inputs),`);
rs.push(`//! ${FULL_ROUNDS} full rounds, ${PARTIAL_ROUNDS} partial rounds, x^5 S-box.`);
rs.push(`//!`);
rs.push(`//! Source: circomlibjs version ${pkgJson.version}, file src/poseidon_constants.js, t = 3`);
rs.push(`//! (entries \`C[1]\` and \`M[1]\`, i.e. index t - 2). Values are the canonical field elements`);
rs.push(`//! in lowercase hex (no zero padding).`);
rs.push(`//!`);
rs.push(`//! Generated by scripts/poseidon_vectors.mjs; do not edit by hand.`);
rs.push(`//!`);
rs.push(`//! Permutation (as in circomlibjs src/poseidon_reference.js): state = [init, in0, in1];`);
rs.push(`//! for r in 0..${FULL_ROUNDS + PARTIAL_ROUNDS}: state[i] += ROUND_CONSTANTS[r * 3 + i]; S-box x^5 on all lanes`);
rs.push(`//! when r < ${FULL_ROUNDS / 2} or r >= ${FULL_ROUNDS / 2 + PARTIAL_ROUNDS}, else on lane 0 only; then`);
rs.push(`//! new_state[i] = sum_j MDS[i][j] * state[j]. Output is state[0].`);
rs.push(`//! \`MDS\` is circomlibjs's \`M\` unchanged (no transpose): the reference code computes`);
rs.push(`//! new_state[i] = sum_j M[i][j] * state[j]. M is not symmetric, so orientation matters.`);
rs.push(``);
rs.push(`/// Number of full rounds (half before, half after the partial rounds).`);
rs.push(`pub const FULL_ROUNDS: usize = ${FULL_ROUNDS};`);
rs.push(`/// Number of partial rounds.`);
rs.push(`pub const PARTIAL_ROUNDS: usize = ${PARTIAL_ROUNDS};`);
rs.push(``);
rs.push(`/// Round constants, index r * 3 + i for round r and lane i.`);
rs.push(`pub const ROUND_CONSTANTS: [&str; ${C.length}] = [`);
for (const c of C) rs.push(`    "${hex(c)}",`);
rs.push(`];`);
rs.push(``);
rs.push(`/// MDS matrix: new_state[i] = sum_j MDS[i][j] * state[j].`);
rs.push(`pub const MDS: [[&str; 3]; 3] = [`);
for (const row of M) {
    rs.push(`    [`);
    for (const x of row) rs.push(`        "${hex(x)}",`);
    rs.push(`    ],`);
}
rs.push(`];`);
const rsPath = path.join(ROOT, "circuits/src/poseidon/constants.rs");
fs.mkdirSync(path.dirname(rsPath), { recursive: true });
fs.writeFileSync(rsPath, rs.join("\n") + "\n");
console.log(`wrote ${path.relative(ROOT, rsPath)}`);

// ffjavascript keeps worker threads alive for the wasm curve; exit explicitly.
process.exit(0);
