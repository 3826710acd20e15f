//! The ledger with the real verifier: genuine halo2 and Groth16 proofs (tiny circuits) are
//! accepted by the `SnarkChecker`, tampered ones are rejected, and the whole PoT scenario (order,
//! claim, eager validation, failed and successful challenges, finalize) settles on them.

use std::sync::Arc;
use zkpot_circuits::halo2::{CircuitShape, Witness};
use zkpot_circuits::testing::{random_dataset, random_model, TINY};
use zkpot_ledger::checker::ProofChecker;
use zkpot_ledger::client::LocalLedger;
use zkpot_ledger::demo::{demo_genesis, run_demo, tamper, DemoTiming};
use zkpot_ledger::snark::SnarkChecker;
use zkpot_params::srs::dev_srs;
use zkpot_prover::groth16::DevSeed;
use zkpot_prover::{Backend, Groth16Backend, Halo2Backend};
use zkpot_ledger::{Bytes32, Genesis};
use zkpot_verifier::{AnyKey, Statement};

fn real_proof() -> (Statement, Vec<u8>, Vec<u8>) {
    let witness = Witness::new(random_model(3, TINY, &[3, 4, 3], 4), random_dataset(3, TINY, 3, 3, 6, 16)).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), 6);
    let params = dev_srs(shape.k(), [4; 32]);
    let (pk, vk) = Halo2Backend::setup(&params, &shape).unwrap();
    let (statement, proof) = Halo2Backend::prove(&params, &pk, witness).unwrap();
    (statement, proof.to_bytes(), vk.to_bytes())
}

#[test]
fn checker_accepts_real_proofs_and_rejects_tampering() {
    let (statement, proof, vk) = real_proof();
    let checker = SnarkChecker::from_key_bytes(&vk).unwrap();
    checker.check(&statement, &proof).unwrap();
    assert!(checker.check(&statement, &tamper(&proof)).unwrap_err().contains("does not verify"));
    let mut flipped = proof.clone();
    flipped[30] ^= 1;
    assert!(checker.check(&statement, &flipped).unwrap_err().contains("corrupted"));
    let mut s = statement.clone();
    s.score = (s.score + 1) % (s.samples + 1);
    assert!(checker.check(&s, &proof).is_err());
    let mut s = statement.clone();
    s.shape_id = "00".repeat(16);
    assert!(checker.check(&s, &proof).unwrap_err().contains("no verifying key"));

    // from a key directory, as nodes load it (`snark:<dir>`, `halo2:<dir>` the same)
    let dir = std::env::temp_dir().join(format!("zkpot-ledger-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tiny.vk"), &vk).unwrap();
    std::fs::write(dir.join("not-a-key.key"), b"junk").unwrap();
    let (g_statement, g_proof, g_vk) = groth16_proof();
    std::fs::write(dir.join("tiny-groth16.vk"), &g_vk).unwrap();
    // The Groth16 key comes from a development seed: a network that is not marked a
    // development network refuses to start with it (anyone could forge proofs under it).
    let genesis = genesis_with(&[&vk, &g_vk]);
    assert!(AnyKey::from_bytes(&g_vk).unwrap().is_development());
    let e = zkpot_ledger::config::builtin_checker(&format!("snark:{}", dir.display()), &genesis, false).err().unwrap().to_string();
    assert!(e.contains("development material") && e.contains(&g_statement.shape_id), "{e}");
    let genesis = Genesis { development_network: true, ..genesis };
    for prefix in ["snark", "halo2"] {
        let from_dir = zkpot_ledger::config::builtin_checker(&format!("{prefix}:{}", dir.display()), &genesis, false).unwrap();
        from_dir.check(&statement, &proof).unwrap();
        from_dir.check(&g_statement, &g_proof).unwrap();
    }

    // Keys by consensus: the checker holds exactly the genesis keys.
    // A genesis listing only the halo2 key: the Groth16 key in the directory is not used.
    let halo2_only = genesis_with(&[&vk]);
    let c = SnarkChecker::for_genesis(&dir, &halo2_only).unwrap();
    c.can_check(&statement).unwrap();
    assert!(c.can_check(&g_statement).unwrap_err().contains("no verifying key"));
    assert_eq!(c.shapes(), vec![statement.shape_id.clone()]);
    // A genesis key the directory lacks: the node refuses to start, naming the shape.
    let mut missing = halo2_only.clone();
    missing.verifying_keys.insert("00".repeat(16), Bytes32([5; 32]));
    let e = SnarkChecker::for_genesis(&dir, &missing).unwrap_err().to_string();
    assert!(e.contains("no verifying key for genesis shape") && e.contains(&"00".repeat(16)), "{e}");
    // A different key for a genesis shape: refused, naming the file and both digests.
    let mut other = halo2_only.clone();
    other.verifying_keys.insert(statement.shape_id.clone(), Bytes32([9; 32]));
    let e = SnarkChecker::for_genesis(&dir, &other).unwrap_err().to_string();
    let got = Bytes32(AnyKey::from_bytes(&vk).unwrap().digest()).to_hex();
    assert!(e.contains("tiny.vk") && e.contains(&got) && e.contains(&Bytes32([9; 32]).to_hex()), "{e}");
    // The stand-ins are refused for a node that is not a development node.
    let e = zkpot_ledger::config::builtin_checker("fake-snark", &genesis, false).err().unwrap().to_string();
    assert!(e.contains("development"), "{e}");
    assert!(zkpot_ledger::config::builtin_checker("fake-snark", &genesis, true).is_ok());
    // The real checker needs its key directory.
    assert!(zkpot_ledger::config::builtin_checker("snark", &genesis, false).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(zkpot_ledger::config::builtin_checker("halo2:/nonexistent-zkpot-dir", &genesis, false).is_err());
}

/// A genesis accepting the given verifying key files.
fn genesis_with(keys: &[&[u8]]) -> Genesis {
    let verifying_keys = keys
        .iter()
        .map(|k| {
            let k = AnyKey::from_bytes(k).unwrap();
            (k.shape_id(), Bytes32(k.digest()))
        })
        .collect();
    Genesis { verifying_keys, ..Genesis::default() }
}

fn groth16_proof() -> (Statement, Vec<u8>, Vec<u8>) {
    let witness = Witness::new(random_model(3, TINY, &[3, 4, 3], 4), random_dataset(3, TINY, 3, 3, 6, 16)).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), 6);
    let (pk, vk) = Groth16Backend::setup(&DevSeed(5), &shape).unwrap();
    let (statement, proof) = Groth16Backend::prove(&DevSeed(5), &pk, witness).unwrap();
    (statement, proof.to_bytes(), vk.to_bytes())
}

#[test]
fn checker_accepts_real_groth16_proofs_and_rejects_tampering() {
    let (statement, proof, vk) = groth16_proof();
    let checker = SnarkChecker::from_key_bytes(&vk).unwrap();
    checker.check(&statement, &proof).unwrap();
    let mut s = statement.clone();
    s.score = (s.score + 1) % (s.samples + 1);
    assert!(checker.check(&s, &proof).unwrap_err().contains("does not verify"));
    let mut flipped = proof.clone();
    flipped[30] ^= 1;
    assert!(checker.check(&statement, &flipped).is_err());
    // a halo2 statement of the same model and data is for another shape id: no key for it
    let (h_statement, h_proof, _) = real_proof();
    assert!(checker.check(&h_statement, &h_proof).unwrap_err().contains("no verifying key"));
}

#[tokio::test]
async fn pot_scenario_settles_on_real_proofs() {
    let (statement, proof, vk) = real_proof();
    let checker = Arc::new(SnarkChecker::from_key_bytes(&vk).unwrap());
    let key = AnyKey::from_bytes(&vk).unwrap();
    let keys = std::collections::BTreeMap::from([(key.shape_id(), Bytes32(key.digest()))]);
    let mut ledger = LocalLedger::new(&demo_genesis(keys), checker, 1_000).unwrap();
    let before = ledger.state.totals().total();
    let s = run_demo(&mut ledger, &statement, &proof, DemoTiming::default()).await.unwrap();
    assert_eq!(s["winner"]["score"], statement.score);
    assert_eq!(s["failed_challenge_forfeited_to_validator"], true);
    assert_eq!(s["tampered_validation_slashed"], true);
    assert_eq!(ledger.state.totals().total(), before);
}

/// `zkpot cluster --keys DIR` (no --dev): genesis lists the directory's keys by digest,
/// replica and account keys are random and written 0600, nodes get the real checker; a
/// node whose directory later holds a different key for the genesis shape (same circuit,
/// another setup) refuses to start, naming the file and both digests.
#[test]
fn a_secure_cluster_pins_its_keys_in_genesis_and_nodes_refuse_other_keys() {
    use zkpot_ledger::cluster::{write_cluster_dir, ClusterArgs};
    use zkpot_ledger::config::{builtin_checker, ClusterDir, NodeConfig};
    let (statement, _, vk) = real_proof();
    let base = zkpot_ledger::local_cluster::scratch_dir("secure-cluster");
    let keys = base.join("vks");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("tiny.vk"), &vk).unwrap();
    let args = ClusterArgs {
        nodes: 4,
        dir: base.join("c"),
        base_port: None,
        keys: Some(keys.clone()),
        checker: "snark".into(),
        dev: false,
        shapes: Vec::new(),
        no_start: true,
        foreground: false,
        view_change_timeout_ms: 1000,
        api: false,
    };
    write_cluster_dir(&args).unwrap();
    let dir = ClusterDir(args.dir.clone());
    let genesis: Genesis = zkpot_ledger::config::read_json(&dir.genesis()).unwrap();
    let digest = Bytes32(AnyKey::from_bytes(&vk).unwrap().digest());
    assert_eq!(genesis.verifying_keys, std::collections::BTreeMap::from([(statement.shape_id.clone(), digest)]));
    assert!(!genesis.development_network);
    let requester = zkpot_ledger::keys::read_key_file(&dir.key("requester")).unwrap();
    assert!(genesis.allocations.contains_key(&zkpot_ledger::keys::account_of(&requester)));
    assert!(!genesis.allocations.contains_key(&zkpot_ledger::keys::account_from_seed("dev/requester")));
    let cfg = NodeConfig::load(&dir.node(0)).unwrap(); // refuses a config others can read
    assert!(!cfg.development && cfg.checker.starts_with("snark:"));
    assert!(!zkpot_ledger::keys::is_development_key(&cfg.replica.signing_key().unwrap(), 0));
    let checker = builtin_checker(&cfg.checker, &cfg.genesis, cfg.development).unwrap();
    assert!(!checker.is_stand_in());
    assert!(zkpot_ledger::config::development_warning(&cfg, checker.as_ref()).is_none());

    // The nodes start as separate processes with the real checker and serve a transaction
    // signed with a key file; none of them warns about development settings.
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_zkpot-ledger"));
    let mut children: Vec<_> = (0..4)
        .map(|i| zkpot_ledger::cluster::spawn_node_with(exe, &dir.node(i), &dir.log(i)).unwrap())
        .collect();
    let outcome = tokio::runtime::Runtime::new().unwrap().block_on(async {
        zkpot_ledger::cluster::wait_ready(&args.dir, std::time::Duration::from_secs(30)).await?;
        let cluster = dir.load_cluster()?;
        let mut l = zkpot_ledger::net_client::PbftLedger::connect_with_key(&cluster, zkpot_ledger::keys::generate_key())?;
        zkpot_ledger::client::send_tx(&mut l, &requester, zkpot_ledger::TxBody::Transfer { to: Bytes32([1; 32]), amount: 5 }).await
    });
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    let outcome = outcome.unwrap();
    assert!(outcome.ok, "{outcome:?}");
    for i in 0..4 {
        let log = std::fs::read_to_string(dir.log(i)).unwrap();
        assert!(!log.contains("DEVELOPMENT") && log.contains("checker snark:"), "node {i}: {log}");
    }

    // Another setup of the same circuit: same shape id, another key.
    let witness = Witness::new(random_model(3, TINY, &[3, 4, 3], 4), random_dataset(3, TINY, 3, 3, 6, 16)).unwrap();
    let shape = CircuitShape::new(witness.model.architecture(), 6);
    let (_, other_vk) = Halo2Backend::setup(&dev_srs(shape.k(), [5; 32]), &shape).unwrap();
    let other = AnyKey::from_bytes(&other_vk.to_bytes()).unwrap();
    assert_eq!(other.shape_id(), statement.shape_id);
    std::fs::write(keys.join("tiny.vk"), other_vk.to_bytes()).unwrap();
    let e = builtin_checker(&cfg.checker, &cfg.genesis, cfg.development).err().unwrap().to_string();
    assert!(e.contains("tiny.vk") && e.contains(&digest.to_hex()) && e.contains(&Bytes32(other.digest()).to_hex()), "{e}");
    // A missing key: refused too.
    std::fs::remove_file(keys.join("tiny.vk")).unwrap();
    let e = builtin_checker(&cfg.checker, &cfg.genesis, cfg.development).err().unwrap().to_string();
    assert!(e.contains("no verifying key for genesis shape"), "{e}");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn a_cluster_that_is_not_a_development_network_refuses_development_keys() {
    use zkpot_ledger::cluster::{write_cluster_dir, ClusterArgs};
    let (statement, _, g_vk) = groth16_proof();
    let base = zkpot_ledger::local_cluster::scratch_dir("dev-keys-refused");
    let keys = base.join("vks");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("dev-groth16.vk"), &g_vk).unwrap();
    let args = |dev: bool, name: &str| ClusterArgs {
        nodes: 4,
        dir: base.join(name),
        base_port: None,
        keys: Some(keys.clone()),
        checker: "snark".into(),
        dev,
        shapes: Vec::new(),
        no_start: true,
        foreground: false,
        view_change_timeout_ms: 1000,
        api: false,
    };
    // An attacker who knows the development seed could forge proofs under this key: a
    // network that is not marked a development network is never written with it.
    let e = write_cluster_dir(&args(false, "secure")).unwrap_err().to_string();
    assert!(e.contains("development material") && e.contains(&statement.shape_id), "{e}");
    // A development cluster (--dev) accepts it, and its genesis says so.
    write_cluster_dir(&args(true, "dev")).unwrap();
    let genesis: Genesis = zkpot_ledger::config::read_json(&zkpot_ledger::config::ClusterDir(base.join("dev")).genesis()).unwrap();
    assert!(genesis.development_network);
    let _ = std::fs::remove_dir_all(&base);
}

/// The attack trust anchors exist for: a Groth16 key whose trapdoor the attacker chose, for
/// the network's shape id, "proves" a false score. The ledger never takes that key (genesis
/// pins the honest key's digest, so a node holding the rogue key refuses to start), and the
/// forged proof fails against the key genesis names.
#[test]
fn the_ledger_rejects_a_forged_proof_of_a_false_score_under_a_rogue_key() {
    use zkpot_verifier::forgery::rogue_key_and_forged_proof;
    let (statement, proof, honest_vk) = groth16_proof();
    let AnyKey::Groth16(honest) = AnyKey::from_bytes(&honest_vk).unwrap() else { panic!("a Groth16 key") };
    let mut false_claim = statement.clone();
    false_claim.score = (statement.score + 1) % (statement.samples + 1);
    // the rogue key: every scalar chosen, so C is solved for any public inputs
    let (rogue, forged) = rogue_key_and_forged_proof(&honest.shape, &false_claim).unwrap();
    let (rogue, forged) = (rogue.to_bytes(), forged.to_file().to_bytes());
    // the rogue key does "verify" the false claim: this is the attack
    SnarkChecker::from_key_bytes(&rogue).unwrap().check(&false_claim, &forged).unwrap();

    let genesis = Genesis { development_network: true, ..genesis_with(&[&honest_vk]) };
    let dir = zkpot_ledger::local_cluster::scratch_dir("rogue-key");
    std::fs::create_dir_all(&dir).unwrap();
    // a node whose key directory holds the rogue key for the genesis shape refuses to start
    std::fs::write(dir.join("shape.vk"), &rogue).unwrap();
    let e = SnarkChecker::for_genesis(&dir, &genesis).unwrap_err().to_string();
    assert!(e.contains("different verifying key") && e.contains("shape.vk"), "{e}");
    // with the genesis key, the forged proof of the false score is rejected; the honest proof passes
    std::fs::write(dir.join("shape.vk"), &honest_vk).unwrap();
    let checker = SnarkChecker::for_genesis(&dir, &genesis).unwrap();
    assert!(checker.check(&false_claim, &forged).unwrap_err().contains("does not verify"));
    checker.check(&statement, &proof).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
