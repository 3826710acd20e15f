// The auditor's page: reads the node's read API (/api/v1) and renders orders, claims,
// validations, challenges and the winner, with a chart of scores per order. A Groth16
// validation can be checked in this browser: the verifying key's file is hashed here and
// must match the pinned digest (?pin=<digest>, else the genesis digest the node reports),
// the snarkjs key must be the same points as that file, the public signals are computed
// here from the statement, and snarkjs (vendored, pinned) runs the pairing check.
// The stable checkpoint's certificate is checked here too: the signed bytes are rebuilt from
// (seq, digest, replica), each Ed25519 signature is checked with WebCrypto against the key the
// node lists for its replica, and the certified snapshot must hash to the digest. The replica
// set comes from this node; `zkpot ledger checkpoint` checks against your own cluster file.
// Everything from the node is written with textContent (never parsed as HTML).
"use strict";

const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
// b of the BN254 twist E'(Fp2): y^2 = x^3 + 3 / (9 + u)
const B2 = [19485874751759354771024239261021720505790618469301721065564631296452457478373n,
  266929791119991161246907387137283842545076965332900288569378510910307636690n];
const KEY_DIGEST_DOMAIN = "zkpot/verifying-key-digest/v1";
const GROTH16 = "groth16-bn254";
const params = new URLSearchParams(location.search);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? "—"));
  return e;
}
const short = (h) => (h == null ? "—" : String(h).slice(0, 12) + "…");
const hexOf = (h) => String(h).replace(/^0x/, "").toLowerCase();
// ledger time (ms since the epoch, agreed by the replicas) as UTC time of day; full value in the title
function when(ms) {
  if (ms == null) return el("span", {}, "—");
  const d = new Date(Number(ms));
  return el("span", { title: `${ms} (${d.toISOString()})` }, isNaN(d) ? String(ms) : d.toISOString().slice(11, 23) + " UTC");
}

async function api(path) {
  const r = await fetch(path);
  let j;
  try { j = await r.json(); } catch (e) { throw new Error(`${path}: not JSON (${r.status})`); }
  if (!r.ok) throw new Error(j.error || `${path}: ${r.status}`);
  return j;
}

async function all(path) {
  const items = [];
  let offset = 0;
  for (;;) {
    const sep = path.includes("?") ? "&" : "?";
    const p = await api(`${path}${sep}offset=${offset}&limit=200`);
    items.push(...p.items);
    if (p.next_offset == null || items.length >= 10000) return items;
    offset = p.next_offset;
  }
}

// ---- checking a Groth16 key file against snarkjs's JSON of it ----
const mod = (x) => ((x % P) + P) % P;
function leInt(bytes) { let x = 0n; for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]); return x; }
function fp2mul(a, b) { return [mod(a[0] * b[0] - a[1] * b[1]), mod(a[0] * b[1] + a[1] * b[0])]; }
function fp2add(a, b) { return [mod(a[0] + b[0]), mod(a[1] + b[1])]; }
// arkworks' compressed point: x little-endian, bit 7 of the last byte "y is negative"
// (y > -y; in Fp2 compared c1 first), bit 6 infinity.
function flagsOf(bytes) { const b = bytes.slice(); const f = b[b.length - 1]; b[b.length - 1] &= 0x3f; return [b, f]; }
function g1Same(bytes, pt) {
  const [b, f] = flagsOf(bytes);
  const x = BigInt(pt[0]), y = BigInt(pt[1]);
  if (pt[2] !== "1" || (f & 0x40) || x !== leInt(b) || x >= P || y >= P) return false;
  if (mod(y * y) !== mod(x * x * x + 3n)) return false;
  return ((f & 0x80) !== 0) === (y > mod(-y));
}
function g2Same(bytes, pt) {
  const [b, f] = flagsOf(bytes);
  const x = [BigInt(pt[0][0]), BigInt(pt[0][1])], y = [BigInt(pt[1][0]), BigInt(pt[1][1])];
  if (pt[2][0] !== "1" || pt[2][1] !== "0" || (f & 0x40)) return false;
  if (x[0] !== leInt(b.slice(0, 32)) || x[1] !== leInt(b.slice(32, 64))) return false;
  if ([...x, ...y].some((v) => v >= P)) return false;
  const lhs = fp2mul(y, y), rhs = fp2add(fp2mul(fp2mul(x, x), x), B2);
  if (lhs[0] !== rhs[0] || lhs[1] !== rhs[1]) return false;
  const ny = [mod(-y[0]), mod(-y[1])];
  const negative = y[1] !== ny[1] ? y[1] > ny[1] : y[0] > ny[0];
  return ((f & 0x80) !== 0) === negative;
}
// The key file is a zkpot container: 16-byte header, payload, 32-byte checksum; the
// payload ends with the compressed ark_groth16 key (alpha, beta, gamma, delta, 5 IC).
function vkMatchesFile(file, vk) {
  const n = 32 + 3 * 64 + 8 + 5 * 32;
  if (file.length < 16 + 32 + n) return "the key file is too short";
  const k = file.slice(file.length - 32 - n, file.length - 32);
  if (vk.protocol !== "groth16" || vk.curve !== "bn128" || vk.nPublic !== 4 || !Array.isArray(vk.IC) || vk.IC.length !== 5) return "the snarkjs key is not a 4-input BN254 Groth16 key";
  if (leInt(k.slice(224, 232)) !== 5n) return "the key file does not hold 5 input points";
  if (!g1Same(k.slice(0, 32), vk.vk_alpha_1)) return "alpha differs from the key file";
  if (!g2Same(k.slice(32, 96), vk.vk_beta_2)) return "beta differs from the key file";
  if (!g2Same(k.slice(96, 160), vk.vk_gamma_2)) return "gamma differs from the key file";
  if (!g2Same(k.slice(160, 224), vk.vk_delta_2)) return "delta differs from the key file";
  for (let i = 0; i < 5; i++) if (!g1Same(k.slice(232 + 32 * i, 264 + 32 * i), vk.IC[i])) return `IC[${i}] differs from the key file`;
  return null;
}
function bytesOfHex(h) { const s = hexOf(h); const out = new Uint8Array(s.length / 2); for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16); return out; }
async function keyDigest(file) {
  if (!(window.crypto && crypto.subtle)) throw new Error("this page is not a secure context (use http://127.0.0.1 or https): cannot hash the key");
  const tag = new TextEncoder().encode(KEY_DIGEST_DOMAIN);
  const buf = new Uint8Array(tag.length + file.length);
  buf.set(tag); buf.set(file, tag.length);
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}
function publicSignals(st) {
  return [BigInt("0x" + hexOf(st.model_commitment)), BigInt("0x" + hexOf(st.dataset_commitment)), BigInt(st.samples), BigInt(st.score)].map(String);
}

// Returns [accepted, detail].
async function verifyGroth16(v, pin) {
  if (!window.snarkjs) throw new Error(window.SNARKJS_MISSING || "snarkjs did not load");
  // snarkjs checks on this page's thread when there is no Worker (one multi-pairing needs no
  // threads), which also lets a headless browser see when the check is done
  globalThis.Worker = undefined;
  const s = await api(`/api/v1/validations/${v.id}/snarkjs`);
  if (hexOf(s.vk_digest) !== pin) return [false, `the node's key ${short(s.vk_digest)} is not the pinned key ${short(pin)}`];
  const key = await api(`/api/v1/keys/${hexOf(pin)}`);
  const file = bytesOfHex(key.key_file_hex);
  const d = await keyDigest(file);
  if (d !== pin) return [false, `the key file hashes to ${short(d)}, not the pinned ${short(pin)}`];
  const bad = vkMatchesFile(file, s.verification_key);
  if (bad) return [false, `the snarkjs key is not the pinned key: ${bad}`];
  const pub = publicSignals(v.statement);
  const ok = await snarkjs.groth16.verify(s.verification_key, pub, s.proof);
  return ok ? [true, `snarkjs accepts: S = ${v.score} of N = ${v.samples} under key ${short(pin)}`]
            : [false, "snarkjs rejects the proof for this statement and key"];
}

function verdictCell(td, accepted, detail) {
  td.textContent = "";
  td.className = accepted ? "ok" : "bad";
  td.dataset.verdict = accepted ? "accept" : "reject";
  td.append((accepted ? "✔ valid: " : "✘ invalid: ") + detail);
}

// ---- the stable checkpoint's certificate ----
const CHECKPOINT_TAG = "pbft/checkpoint/v2";
// unsigned LEB128 (postcard's varint)
function varint(n) {
  let x = BigInt(n); const out = [];
  do { let b = Number(x & 0x7fn); x >>= 7n; if (x) b |= 0x80; out.push(b); } while (x);
  return out;
}
// tag || varint(seq) || digest (32 bytes) || varint(replica): what replica `replica` signs
function checkpointBytes(seq, digest, replica) {
  return new Uint8Array([...new TextEncoder().encode(CHECKPOINT_TAG), ...varint(seq), ...bytesOfHex(digest), ...varint(replica)]);
}
const hexOfBytes = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
function concat(parts) { const o = new Uint8Array(parts.reduce((a, p) => a + p.length, 0)); let i = 0; for (const p of parts) { o.set(p, i); i += p.length; } return o; }
// The digest a checkpoint certifies: SHA-256 of the snapshot; or, where the certificate names
// `snapshot.chunk_bytes`, pbft's chunked digest SHA-256("pbft/snapshot/v1" || len u64 LE ||
// chunk_bytes u32 LE || root), root of the Merkle tree with leaves SHA-256(0x00 || chunk) and
// nodes SHA-256(0x01 || left || right), a lone last node carried up.
async function certifiedDigest(bytes, chunkBytes) {
  const h = async (...parts) => new Uint8Array(await crypto.subtle.digest("SHA-256", concat(parts)));
  if (chunkBytes == null) return hexOfBytes(await h(bytes));
  const c = Math.max(1, chunkBytes);
  let level = [];
  if (bytes.length === 0) level.push(await h(Uint8Array.of(0)));
  for (let i = 0; i < bytes.length; i += c) level.push(await h(Uint8Array.of(0), bytes.subarray(i, i + c)));
  while (level.length > 1) {
    const up = [];
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? await h(Uint8Array.of(1), level[i], level[i + 1]) : level[i]);
    level = up;
  }
  const len = new Uint8Array(8); new DataView(len.buffer).setBigUint64(0, BigInt(bytes.length), true);
  const cb = new Uint8Array(4); new DataView(cb.buffer).setUint32(0, chunkBytes, true);
  return hexOfBytes(await h(new TextEncoder().encode("pbft/snapshot/v1"), len, cb, level[0]));
}

class NoEd25519 extends Error {}
// Returns whether `sig` by `pk` over `bytes` checks; NoEd25519 if this browser lacks it.
async function ed25519(pk, sig, bytes) {
  let key;
  try { key = await crypto.subtle.importKey("raw", bytesOfHex(pk), { name: "Ed25519" }, false, ["verify"]); }
  catch (e) {
    if (e && e.name === "NotSupportedError") throw new NoEd25519("this browser's WebCrypto has no Ed25519: the signatures are not checked here (use zkpot ledger checkpoint)");
    return false; // a key that does not import
  }
  try { return await crypto.subtle.verify({ name: "Ed25519" }, key, bytesOfHex(sig), bytes); } catch (e) { return false; }
}

// Checks the certificate `c` (signatures into `rows`, one cell per message); returns [accepted, detail].
async function checkCertificate(c, cells) {
  if (!(window.crypto && crypto.subtle)) return [false, "this page is not a secure context: cannot check signatures"];
  const keyOf = new Map(c.replicas.map((r) => [r.id, hexOf(r.public_key)]));
  const signers = new Set();
  let failed = null;
  for (const [i, m] of c.messages.entries()) {
    const cell = cells[i];
    const bytes = checkpointBytes(c.seq, c.digest, m.replica);
    let why = null;
    if (!keyOf.has(m.replica)) why = `replica ${m.replica} is not in the replica set`;
    else if (keyOf.get(m.replica) !== hexOf(m.public_key)) why = `replica ${m.replica}'s key is not the listed one`;
    else if (hexOfBytes(bytes) !== hexOf(m.signed_bytes)) why = `replica ${m.replica}'s signed bytes are not those of (seq, digest)`;
    else if (signers.has(m.replica)) why = `replica ${m.replica} appears twice`;
    else if (!(await ed25519(m.public_key, m.signature, bytes))) why = `replica ${m.replica}'s signature does not check`;
    if (why) { verdictCell(cell, false, why); failed = failed || why; } else { signers.add(m.replica); verdictCell(cell, true, "Ed25519 signature checks"); }
  }
  if (failed) return [false, failed];
  if (signers.size < c.f + 1) return [false, `only ${signers.size} distinct replicas signed; f + 1 = ${c.f + 1} are needed`];
  return [true, `signed by ${signers.size} of ${c.n} replicas (f + 1 = ${c.f + 1} needed), signatures checked in this browser`];
}

// The certified snapshot must hash to the digest (retried if the checkpoint moved on).
async function snapshotMatches(c) {
  const r = await fetch(c.snapshot.path);
  if (r.status === 409) return null;
  if (!r.ok) return `the snapshot could not be read (${r.status})`;
  const d = await certifiedDigest(new Uint8Array(await r.arrayBuffer()), c.snapshot.chunk_bytes);
  return d === hexOf(c.digest) ? "" : `the snapshot hashes to ${short(d)}, not the certified ${short(c.digest)}`;
}

async function showCheckpoint() {
  const summary = document.getElementById("checkpoint-summary");
  const out = document.getElementById("checkpoint-verdict");
  const body = document.querySelector("#checkpoint-signatures tbody");
  for (let attempt = 0; attempt < 3; attempt++) {
    const c = await api("/api/v1/checkpoint");
    summary.textContent = `seq ${c.seq} · digest ${c.digest} · signed by ${c.messages.length} of ${c.n} replicas (n - f = ${c.quorum} make it stable, f + 1 = ${c.f + 1} suffice to trust it)`;
    summary.dataset.seq = c.seq;
    body.textContent = "";
    if (c.seq === 0) {
      out.className = ""; out.dataset.verdict = "none";
      out.textContent = "the genesis checkpoint: no checkpoint has been signed yet";
      return;
    }
    const cells = c.messages.map((m) => {
      const cell = el("td", { class: "pending" }, "checking…");
      body.append(el("tr", { "data-replica": m.replica }, el("td", {}, m.replica), el("td", { class: "mono" }, short(m.public_key)), el("td", { class: "mono" }, short(m.signature)), cell));
      return cell;
    });
    let ok, why;
    try { [ok, why] = await checkCertificate(c, cells); }
    catch (e) {
      if (!(e instanceof NoEd25519)) throw e;
      for (const cell of cells) { cell.className = ""; cell.textContent = "not checked (no Ed25519 here)"; }
      out.className = "warn"; out.dataset.verdict = "unchecked";
      out.textContent = `${e.message}; the node lists ${c.messages.length} signatures of ${c.n} replicas`;
      return;
    }
    if (ok) {
      const snap = await snapshotMatches(c);
      if (snap === null) continue;
      if (snap) [ok, why] = [false, snap];
      else why += "; the snapshot hashes to the digest";
    }
    verdictCell(out, ok, why);
    return;
  }
  verdictCell(out, false, "the stable checkpoint kept moving; reload the page");
}

function chart(o) {
  const vs = (o.validations || []).filter((v) => v.score != null);
  const W = 420, H = 150, pad = 30;
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("width", W); svg.setAttribute("height", H); svg.setAttribute("class", "chart");
  const t = (x, y, s) => { const e = document.createElementNS(svg.namespaceURI, "text"); e.setAttribute("x", x); e.setAttribute("y", y); e.textContent = s; svg.append(e); };
  const max = Math.max(1, o.spec.samples, ...vs.map((v) => v.score));
  const bw = Math.min(60, (W - 2 * pad) / Math.max(1, vs.length) - 10);
  t(4, 12, `scores of order ${o.id} (S, axis up to ${max})`);
  vs.forEach((v, i) => {
    const h = ((H - 2 * pad) * v.score) / max;
    const r = document.createElementNS(svg.namespaceURI, "rect");
    r.setAttribute("x", pad + i * (bw + 10)); r.setAttribute("y", H - pad - h);
    r.setAttribute("width", bw); r.setAttribute("height", h);
    r.setAttribute("fill", v.status === "invalid" ? "#d33" : v.status === "verified" ? "#3a3" : "#999");
    svg.append(r);
    t(pad + i * (bw + 10), H - pad + 14, `v${v.id}: ${v.score}`);
  });
  if (o.winner) t(W - 150, 12, `winner: claim ${o.winner.claim}, S=${o.winner.score}`);
  return svg;
}

function orderRow(o) {
  const d = o.deadlines;
  const w = o.winner ? `claim ${o.winner.claim}: model ${short(o.winner.model_commitment)}, S=${o.winner.score}` :
    (o.outcome && o.outcome.refunded ? `refunded ${o.outcome.refunded.amount}` : "—");
  const tr = el("tr", { "data-order": o.id },
    el("td", {}, o.id), el("td", { class: "phase" }, o.phase), el("td", {}, o.spec.reward), el("td", { class: "mono" }, short(o.spec.shape_id)),
    el("td", {}, o.spec.samples), el("td", {}, JSON.stringify(o.spec.score_function)),
    el("td", {}, when(d.training)), el("td", {}, when(d.validation)), el("td", {}, when(d.reveal)), el("td", {}, when(d.challenge)),
    el("td", {}, o.claims.length || (o.settlement ? o.settlement.claims : 0)), el("td", {}, o.validations.length),
    el("td", { class: o.winner ? "winner" : "" }, w));
  return tr;
}

function details(o, pins, jobs) {
  const sec = el("div", { class: "order", id: `order-${o.id}` }, el("h3", {}, `Order ${o.id} — ${o.phase}`));
  if (o.winner) sec.append(el("p", { class: "winner", "data-winner": o.winner.claim }, `Winner: claim ${o.winner.claim} by ${short(o.winner.provider)}, model ${short(o.winner.model_commitment)}, S = ${o.winner.score}, provider reward ${o.winner.provider_reward}, each validator ${o.winner.validator_reward_each}`));
  const ct = el("table", {}, el("tr", {}, el("th", {}, "claim"), el("th", {}, "provider"), el("th", {}, "model commitment"), el("th", {}, "committed at"), el("th", {}, "revealed at")));
  for (const c of o.claims) ct.append(el("tr", {}, el("td", {}, c.id), el("td", { class: "mono" }, short(c.provider)), el("td", { class: "mono" }, c.model_commitment || "(not revealed)"), el("td", {}, when(c.committed_at)), el("td", {}, when(c.revealed_at))));
  sec.append(el("h4", {}, "Claims"), ct);
  const vt = el("table", { class: "validations" }, el("tr", {}, ...["validation", "claim", "validator", "backend", "N", "S", "score function", "key digest", "status", "challenges", "verification"].map((h) => el("th", {}, h))));
  for (const v of o.validations) {
    const cell = el("td", { class: "verify" });
    const chal = (v.challenges || []).map((c) => (c.succeeded ? "succeeded (slashed)" : "failed (proof valid)")).join("; ") || "none";
    if (v.status === "committed") {
      cell.append("committed, not revealed");
    } else if (v.backend === GROTH16) {
      const pin = pins[v.shape_id];
      const b = el("button", { "data-validation": v.id }, "verify in this browser");
      const run = async () => {
        b.disabled = true; cell.className = "pending";
        try { const [ok, why] = await verifyGroth16(v, pin); verdictCell(cell, ok, why); }
        catch (e) { verdictCell(cell, false, e.message); }
      };
      b.addEventListener("click", () => { run(); });
      cell.append(b);
      jobs.push(run);
    } else {
      const ok = v.status !== "invalid";
      cell.className = ok ? "ok" : "bad";
      cell.dataset.verdict = ok ? "accept" : "reject";
      cell.append(`replicas' verdict: ${v.status}`);
    }
    vt.append(el("tr", { "data-validation": v.id, "data-status": v.status }, el("td", {}, v.id), el("td", {}, v.claim), el("td", { class: "mono" }, short(v.validator)),
      el("td", {}, v.backend || "—"), el("td", {}, v.samples), el("td", {}, v.score), el("td", {}, v.score_function ? JSON.stringify(v.score_function) : "—"),
      el("td", { class: "mono" }, short(v.vk_digest)), el("td", { class: v.status === "invalid" ? "bad" : "" }, v.status), el("td", {}, chal), cell));
  }
  sec.append(el("h4", {}, "Validations"), vt, chart(o));
  return sec;
}

async function main() {
  if (window.SNARKJS_MISSING || !window.snarkjs) {
    const n = document.getElementById("snarkjs-note");
    n.hidden = false; n.textContent = window.SNARKJS_MISSING || "snarkjs did not load: in-browser verification is unavailable";
  }
  const status = await api("/api/v1/status");
  document.getElementById("network").textContent =
    `network ${short(status.network)} · replica ${status.replica} of ${status.replicas} (f = ${status.f}) · last request ${status.last_seq} · ledger time ${status.ledger_time} · state digest ${short(status.state_digest)}`;
  document.getElementById("dev-banner").hidden = !status.development_network;
  const pins = {};
  for (const [shape, digest] of Object.entries(status.verifying_keys)) pins[shape] = hexOf(digest);
  const pin = params.get("pin");
  if (pin) for (const k of Object.keys(pins)) pins[k] = hexOf(pin);
  document.getElementById("pin-note").textContent = pin
    ? `Groth16 proofs are checked against the key you pinned: ${hexOf(pin)}`
    : "Groth16 proofs are checked against the genesis key digests this node reports; add ?pin=<key digest> to pin your own.";
  await showCheckpoint().catch((e) => verdictCell(document.getElementById("checkpoint-verdict"), false, e.message));
  const orders = await all("/api/v1/orders");
  const body = document.querySelector("#orders tbody");
  const det = document.getElementById("details");
  const jobs = [];
  for (const o of orders) { body.append(orderRow(o)); det.append(details(o, pins, jobs)); }
  const cb = document.querySelector("#challenges tbody");
  for (const c of await all("/api/v1/challenges")) {
    cb.append(el("tr", {}, el("td", {}, c.validation), el("td", {}, c.order), el("td", { class: "mono" }, short(c.challenger)), el("td", {}, c.stake), el("td", {}, when(c.at)),
      el("td", { class: c.succeeded ? "bad" : "ok" }, c.succeeded ? "succeeded: proof invalid, validator slashed" : "failed: proof valid"), el("td", {}, c.detail)));
  }
  if (params.get("autoverify") === "1") for (const j of jobs) await j();
}

main()
  .catch((e) => { const p = document.getElementById("error"); p.hidden = false; p.textContent = "error: " + e.message; })
  .finally(() => { document.body.dataset.state = "done"; });
