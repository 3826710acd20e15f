//! Where the bytes of a halo2 proof go: counts from the verifying key of the digits circuit and
//! the size each part adds (KZG on BN254 with SHPLONK: 32-byte points and scalars). Run:
//! `cargo run --release -p zkpot-bench --example proof_anatomy -- 500`

use zkpot_circuits::halo2::CircuitShape;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(500);
    let witness = zkpot_bench::digits(n);
    let shape = CircuitShape::new(witness.model.architecture(), n);
    let params = zkpot_params::cache::dev_srs_cached(&zkpot_params::cache::default_dir(), shape.k()).expect("SRS").0;
    let vk = zkpot_params::keys::verifying_key(&params, &shape).expect("keygen");
    let cs = vk.cs();
    let degree = cs.degree();
    let perm_cols = cs.permutation().get_columns().len();
    let chunk = degree - 2;
    let perm_chunks = perm_cols.div_ceil(chunk);
    let lookups = cs.lookups().len();
    let parts: Vec<(&str, usize)> = vec![
        ("advice commitments", cs.num_advice_columns()),
        ("lookup commitments (2 permuted + 1 product each)", 3 * lookups),
        ("permutation product commitments", perm_chunks),
        ("vanishing: random polynomial commitment", 1),
        ("vanishing: quotient pieces", degree - 1),
        ("advice evaluations (one per query)", cs.advice_queries().len()),
        ("fixed evaluations (one per query, selectors included)", cs.fixed_queries().len()),
        // instance columns are not opened in the proof with KZG (halo2's QUERY_INSTANCE = false)
        ("vanishing: random polynomial evaluation", 1),
        ("permutation sigma evaluations", perm_cols),
        ("permutation product evaluations", 3 * perm_chunks - 1),
        ("lookup evaluations (5 each)", 5 * lookups),
        ("SHPLONK opening proof", 2),
    ];
    println!("N = {n}, k = {}, degree {degree}, {} advice / {} fixed columns, {lookups} lookups, {perm_cols} permutation columns", shape.k(), cs.num_advice_columns(), cs.num_fixed_columns());
    println!("| part | elements | bytes |\n|---|---:|---:|");
    let mut total = 0;
    for (name, count) in &parts {
        println!("| {name} | {count} | {} |", 32 * count);
        total += 32 * count;
    }
    println!("| **total** | {} | **{total}** |", total / 32);
}
