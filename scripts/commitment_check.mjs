// Cross-tool check of zkpot's commitments: recompute the bundled digits model and data set
// commitments in JavaScript, independently of the Rust code, from the float files
// data/digits/model.json and data/digits/test.json, following docs/commitments.md and
// docs/validation-function.md (b = 15, s = 8, all 500 samples), and compare them with the
// values pinned in circuits/tests/bundled.rs.
//
// Run (from the repository root):
//
//     npm install --no-save circomlibjs@0.1.7
//     node scripts/commitment_check.mjs
//
// (or install circomlibjs@0.1.7 anywhere and point NODE_PATH at that node_modules,
// e.g. `NODE_PATH=/tmp/zkpot-js/node_modules node scripts/commitment_check.mjs`).
//
// It prints both commitments as 0x + 64 hex digits and exits with status 1 if either differs
// from the pinned value (status 2 if the input files are not what the docs describe). As a
// second, independent check it also transcribes the validation function (integer evaluation,
// rescale, argmax) and the float forward pass and compares the scores with the pinned 489 / 500.
//
// Nothing here is shared with the Rust code: quantization, encodings, packing and the hash chain
// are written from the documents; only Poseidon itself comes from circomlibjs.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// ---- what must come out (circuits/tests/bundled.rs) --------------------------------------
const PINNED = {
    model: "0x152d6e21ebbfe889768de42d8f5b02475b61b454161036662bb16911f7d2b567",
    dataset: "0x01e698ff7f3406a7c5cd3bb5dcf665aac93a57563d507cfeb5805f3c3f4ac00c",
    samples: 500,
    quantizedCorrect: 489,
    floatCorrect: 489,
};
const B = 15; // value bits (FixedParams::DEFAULT)
const S = 8; // scale bits

// ---- circomlibjs ---------------------------------------------------------------------------
const EXPECTED_VERSION = "0.1.7";
const pkgDir = path.resolve(path.dirname(require.resolve("circomlibjs")), "..");
const pkgVersion = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
if (pkgVersion !== EXPECTED_VERSION) {
    console.warn(`warning: circomlibjs ${pkgVersion} found, this check was written against ${EXPECTED_VERSION}`);
}
const { buildPoseidon } = require("circomlibjs");

class InputError extends Error {}
const fail = (msg) => {
    throw new InputError(msg);
};

// ---- fixed point (docs/validation-function.md, sections 1, 2, 8) ---------------------------
const MIN = -(2 ** (B - 1));
const MAX = 2 ** (B - 1) - 1;

// round(x * 2^s) with halves away from zero (Rust f64::round), then bound-checked.
// JS Math.round rounds halves toward +infinity, so it is applied to |y| only.
function quantize(x, what) {
    if (typeof x !== "number" || !Number.isFinite(x)) fail(`${what} is not a finite number (${x})`);
    const y = x * 2 ** S; // exact: multiplication by a power of two
    const t = Math.trunc(y);
    let q = Math.abs(y - t) >= 0.5 ? t + Math.sign(y) : t; // y - t is exact
    if (q !== Math.sign(y) * Math.round(Math.abs(y))) fail(`internal: two rounding formulas disagree on ${what}`);
    if (Math.abs(q) > 1e30) fail(`${what} leaves the bound (|round| > 1e30)`);
    q = q + 0; // no -0
    if (q < MIN || q > MAX) fail(`${what} = ${q} leaves the bound [-2^${B - 1}, 2^${B - 1}) of ${B}-bit values`);
    return q;
}

// z = floor((acc + 2^(s-1)) / 2^s), r in [0, 2^s). acc stays far below 2^53 here (checked).
function rescale(acc) {
    if (!Number.isSafeInteger(acc)) fail(`internal: accumulator ${acc} is not a safe integer`);
    const shifted = acc + 2 ** (S - 1);
    const z = Math.floor(shifted / 2 ** S); // exact: division by a power of two
    return { z, r: shifted - z * 2 ** S };
}

// lowest index among the maxima
function argmax(v) {
    let best = 0;
    for (let i = 0; i < v.length; i++) if (v[i] > v[best]) best = i;
    return best;
}

// ---- the float files (docs/validation-function.md, sections 3, 4) --------------------------
function readJson(rel) {
    return JSON.parse(fs.readFileSync(path.join(ROOT, rel), "utf8")); // JSON.parse: correctly rounded
}

// Float model -> chain of dense layers with fused ReLU flags (FloatModel::architecture).
function denseLayers(m) {
    if (m.format !== "zkpot-float-model" || m.version !== 1) fail("model.json: not a zkpot-float-model version 1");
    if (!(m.input_dim > 0)) fail("model.json: input_dim is 0");
    const layers = [];
    let width = m.input_dim;
    m.layers.forEach((l, li) => {
        if (l.type === "dense") {
            if (l.weights.length !== width) fail(`layers[${li}] (dense): ${l.weights.length} weight rows, expected ${width}`);
            const outputs = l.bias.length;
            if (outputs === 0) fail(`layers[${li}] (dense): no outputs`);
            l.weights.forEach((row, i) => {
                if (row.length !== outputs) fail(`layers[${li}] (dense): weight row ${i} has ${row.length} entries`);
            });
            layers.push({ inputs: width, outputs, relu: false, weights: l.weights, bias: l.bias });
            width = outputs;
        } else if (l.type === "relu") {
            const last = layers[layers.length - 1];
            if (!last || last.relu) fail(`layers[${li}] (relu) must directly follow a dense layer`);
            last.relu = true;
        } else {
            fail(`layers[${li}]: unknown type ${l.type}`);
        }
    });
    if (layers.length === 0) fail("the model has no dense layer");
    if (width !== m.num_classes || m.num_classes < 2) fail(`the last layer has ${width} outputs, num_classes is ${m.num_classes}`);
    return layers;
}

function quantizeModel(m) {
    return denseLayers(m).map((l, li) => ({
        inputs: l.inputs,
        outputs: l.outputs,
        relu: l.relu,
        // row-major: weights[i * outputs + j] = W[i][j], input i to output j
        weights: l.weights.flatMap((row, i) => row.map((x, j) => quantize(x, `layer ${li} weight [${i}][${j}]`))),
        bias: l.bias.map((x, j) => quantize(x, `layer ${li} bias [${j}]`)),
        floatWeights: l.weights,
        floatBias: l.bias,
    }));
}

function quantizeDataset(d, inputDim, numClasses) {
    if (d.format !== "zkpot-dataset" || d.version !== 1) fail("test.json: not a zkpot-dataset version 1");
    const n = d.features.length;
    if (n === 0 || n !== d.labels.length) fail("test.json: no samples, or features and labels differ in number");
    if (d.num_classes !== numClasses) fail(`test.json: ${d.num_classes} classes, the model has ${numClasses}`);
    if (numClasses > MAX) fail(`${numClasses} classes do not fit ${B}-bit labels`);
    const features = d.features.map((row, i) => {
        if (row.length !== inputDim) fail(`sample ${i} has ${row.length} features, expected ${inputDim}`);
        return row.map((x, k) => quantize(x, `sample ${i} feature ${k}`));
    });
    d.labels.forEach((l, i) => {
        if (!Number.isInteger(l) || l < 0 || l >= numClasses) fail(`sample ${i}: label ${l} is outside 0..${numClasses}`);
    });
    return { features, labels: d.labels, floatFeatures: d.features };
}

// ---- encodings and packing (docs/commitments.md, sections 2 to 4) ---------------------------
function modelElements(m, layers) {
    const header = [1, 1, B, S, m.input_dim, m.num_classes, layers.length];
    for (const l of layers) header.push(l.inputs, l.outputs, l.relu ? 1 : 0);
    const values = layers.flatMap((l) => [...l.weights, ...l.bias]);
    return { header: header.map(BigInt), values, packed: pack(values) };
}

function datasetElements(data, inputDim, numClasses) {
    const header = [2, 1, B, S, data.features.length, inputDim, numClasses];
    const values = data.features.flatMap((row, i) => [...row, data.labels[i]]);
    return { header: header.map(BigInt), values, packed: pack(values) };
}

function pack(values) {
    const per = Math.floor(253 / B); // 16 for b = 15
    const half = 1n << BigInt(B - 1);
    const out = [];
    for (let i = 0; i < values.length; i += per) {
        let acc = 0n;
        for (const v of values.slice(i, i + per)) {
            const slot = BigInt(v) + half;
            if (slot < 0n || slot >= 1n << BigInt(B)) fail(`value ${v} out of bound`);
            acc = (acc << BigInt(B)) + slot; // first slot most significant
        }
        out.push(acc);
    }
    return out;
}

// ---- the hash chain (docs/commitments.md, section 5) ---------------------------------------
function hashChain(poseidon, elements) {
    const msgs = elements.length % 2 ? [...elements, 0n] : elements;
    let h = 0n;
    for (let i = 0; i < msgs.length; i += 2) h = poseidon.F.toObject(poseidon([msgs[i], msgs[i + 1]], h));
    return h;
}

const hex = (x) => "0x" + x.toString(16).padStart(64, "0");

// ---- the validation function and the float forward pass (second check) ---------------------
function quantizedScore(layers, data) {
    let correct = 0;
    let maxAbs = 0;
    data.features.forEach((x0, i) => {
        let x = x0;
        layers.forEach((l, li) => {
            const out = [];
            for (let j = 0; j < l.outputs; j++) {
                let acc = l.bias[j] * 2 ** S;
                for (let k = 0; k < l.inputs; k++) acc += x[k] * l.weights[k * l.outputs + j];
                const { z } = rescale(acc);
                if (z < MIN || z > MAX) fail(`layer ${li} output ${j} on sample ${i} (after rescale) = ${z} leaves the bound`);
                maxAbs = Math.max(maxAbs, Math.abs(z));
                out.push(l.relu ? Math.max(z, 0) : z);
            }
            x = out;
        });
        if (argmax(x) === data.labels[i]) correct++;
    });
    return { correct, maxAbs };
}

function floatScore(layers, data) {
    let correct = 0;
    data.floatFeatures.forEach((x0, i) => {
        let x = x0;
        for (const l of layers) {
            const out = l.floatBias.slice();
            l.floatWeights.forEach((row, k) => row.forEach((w, j) => (out[j] += x[k] * w)));
            x = l.relu ? out.map((v) => Math.max(v, 0)) : out;
        }
        if (argmax(x) === data.labels[i]) correct++;
    });
    return correct;
}

// ---- main ----------------------------------------------------------------------------------
async function main() {
    const poseidon = await buildPoseidon();
    // self-checks (circuits/tests/data/poseidon_vectors.json, commit.rs's unit test)
    if (poseidon.F.toObject(poseidon([1n, 2n])) !== 7853200120776062878684798364095072458815029376092732009249414926327459813530n)
        throw new Error("self-check: poseidon([1, 2])");
    if (hashChain(poseidon, [1n, 3n, 2n, 5n, 3n, 7n, 4n, 9n, 5n, 11n]) !== 5723848387947132797498032238671838730368808558695954656004358541290485804754n)
        throw new Error("self-check: chain vector");
    if (quantize(-0.5 / 2 ** S, "self-check") !== -1 || quantize(0.5 / 2 ** S, "self-check") !== 1 || quantize(-1.5 / 2 ** S, "self-check") !== -2)
        throw new Error("self-check: rounding is not half away from zero");

    const m = readJson("data/digits/model.json");
    const d = readJson("data/digits/test.json");
    const layers = quantizeModel(m);
    const data = quantizeDataset(d, m.input_dim, m.num_classes);
    if (data.features.length !== PINNED.samples) fail(`test.json has ${data.features.length} samples, expected ${PINNED.samples}`);

    const me = modelElements(m, layers);
    const de = datasetElements(data, m.input_dim, m.num_classes);
    const modelCommitment = hex(hashChain(poseidon, [...me.header, ...me.packed]));
    const datasetCommitment = hex(hashChain(poseidon, [...de.header, ...de.packed]));
    const q = quantizedScore(layers, data);
    const f = floatScore(layers, data);

    console.log(`b = ${B}, s = ${S}, values per element = ${Math.floor(253 / B)}, circomlibjs ${pkgVersion}`);
    console.log(`model:    ${me.values.length} values, ${me.header.length} + ${me.packed.length} = ${me.header.length + me.packed.length} elements`);
    console.log(`data set: ${de.values.length} values, ${de.header.length} + ${de.packed.length} = ${de.header.length + de.packed.length} elements`);
    console.log(`model_commitment   = ${modelCommitment}`);
    console.log(`dataset_commitment = ${datasetCommitment}`);
    console.log(`quantized score ${q.correct}/${data.features.length} (largest |z| ${q.maxAbs}, bound ${2 ** (B - 1)}), float score ${f}/${data.features.length}`);

    const checks = [
        ["model_commitment", modelCommitment, PINNED.model],
        ["dataset_commitment", datasetCommitment, PINNED.dataset],
        ["quantized score", q.correct, PINNED.quantizedCorrect],
        ["float score", f, PINNED.floatCorrect],
    ];
    let ok = true;
    for (const [name, got, want] of checks) {
        if (got !== want) {
            console.error(`MISMATCH ${name}: computed ${got}, pinned ${want}`);
            ok = false;
        }
    }
    console.log(ok ? "OK: matches circuits/tests/bundled.rs" : "FAILED");
    return ok ? 0 : 1;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(e instanceof InputError ? `input error: ${e.message}` : e);
        process.exit(e instanceof InputError ? 2 : 1);
    },
);
