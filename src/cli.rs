//! The command line: every verb and its flags (dispatch lives in `execute.rs`).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// zkpot: prove that a committed model scores S on a committed test set, and check such proofs.
#[derive(Debug, Parser)]
#[command(name = "zkpot", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the model and the data come from (defaults: the bundled digits MLP and test set).
#[derive(Debug, Args, Clone)]
pub struct Inputs {
    /// Quantized model (JSON from `zkpot quantize`); default: the bundled digits MLP quantized
    /// with --scale-bits/--value-bits.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Float model (JSON) to quantize on the fly instead of --model; `@digits`,
    /// `@breast-cancer`, `@diabetes` (a regression MLP, for --score mse), `@mnist-mlp`
    /// (784-128-10), `@mnist-cnn` (LeNet-5 class) and `@mnist-lstm` (sequential MNIST, LSTM
    /// 28 -> 32 and a dense head) name the bundled models.
    #[arg(long, conflicts_with = "model")]
    pub float_model: Option<PathBuf>,
    /// Test set (JSON, float features); default: the bundled 500-sample digits test set.
    /// `@digits-test`, `@digits-full` (all 1,797 samples), `@breast-cancer-test` (169
    /// samples, for `--float-model @breast-cancer`), `@diabetes-test` (112 regression
    /// samples, for `--float-model @diabetes`), `@mnist-test` (2,000 real 28x28 MNIST digits)
    /// and `@mnist-train` (the 8,000 the MNIST models were trained on) name the bundled sets.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Use only the first N samples of the test set.
    #[arg(long)]
    pub samples: Option<usize>,
    /// Fractional bits s when quantizing on the fly.
    #[arg(long, default_value_t = 8)]
    pub scale_bits: u32,
    /// Value bits b when quantizing on the fly.
    #[arg(long, default_value_t = 15)]
    pub value_bits: u32,
    /// Score function proved (setup and prove): `top-1`, `top-K` (e.g. `top-3`: the label is
    /// among the K best classes), or `mse` (regression: the mean squared error rounded half up,
    /// in units of 2^-2s). Default: top-1, or mse for a regression set.
    #[arg(long)]
    pub score: Option<String>,
}

/// The proof system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum BackendKind {
    /// halo2 with KZG on BN254 (universal SRS).
    #[default]
    Halo2,
    /// Groth16 on BN254 (arkworks; circuit-specific keys, 128-byte proofs).
    Groth16,
}

impl BackendKind {
    /// The value of `--backend` that selects it.
    pub fn flag(self) -> &'static str {
        match self {
            BackendKind::Halo2 => "halo2",
            BackendKind::Groth16 => "groth16",
        }
    }
}

/// The backend, its parameters and the key cache.
#[derive(Debug, Args, Clone)]
pub struct ParamsArgs {
    /// Proof system.
    #[arg(long, value_enum, default_value_t = BackendKind::Halo2)]
    pub backend: BackendKind,
    /// Groth16: seed of the INSECURE development keys (default: a fixed public seed).
    #[arg(long)]
    pub dev_seed: Option<u64>,
    /// Groth16 (prove): a proving key file (from a ceremony, or `setup --backend groth16`)
    /// instead of the cached development keys.
    #[arg(long)]
    pub pk: Option<PathBuf>,
    /// Groth16 (setup, prove): the final `.zkey` of a snarkjs phase-2 ceremony for this circuit
    /// (run over `zkpot export-r1cs`), used as the proving and verifying key.
    #[arg(long, conflicts_with = "pk")]
    pub zkey: Option<PathBuf>,
    /// A powers-of-tau ceremony file: snarkjs `.ptau` or halo2's format (checked, trimmed to
    /// the circuit); without it an INSECURE development SRS is used.
    #[arg(long)]
    pub srs: Option<PathBuf>,
    /// Cache directory for development SRS files and keys (default: $ZKPOT_CACHE or .zkpot-cache).
    #[arg(long)]
    pub cache: Option<PathBuf>,
}

/// How `verify` pins the verifying key it is handed (docs/trust.md).
#[derive(Debug, Args, Clone, Default)]
pub struct TrustArgs {
    /// Accept only a key with this digest (printed by `setup`, in settings.json; repeat for a
    /// bundle with several chunk sizes).
    #[arg(long = "vk-digest", value_name = "HEX")]
    pub vk_digest: Vec<String>,
    /// Accept only keys found in this directory of keys you obtained yourself (also for --bundle).
    #[arg(long, value_name = "DIR")]
    pub trusted_keys: Option<PathBuf>,
    /// Re-derive the halo2 verifying key for the statement's circuit from this ceremony file and
    /// accept only that key.
    #[arg(long, value_name = "FILE")]
    pub srs: Option<PathBuf>,
    /// Accept the key file as it is, unpinned (local use only; reported in the output).
    #[arg(long, conflicts_with_all = ["vk_digest", "trusted_keys", "srs"])]
    pub trust_key_as_is: bool,
    /// Accept INSECURE development keys (development SRS or Groth16 seed): anyone can forge
    /// proofs under them. For local testing only.
    #[arg(long)]
    pub allow_insecure_dev: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Import an ONNX model (exported from PyTorch, Keras, scikit-learn): print its layers and
    /// shapes, its float accuracy with --data, and write zkpot's float model (docs/onnx.md).
    Import {
        /// The .onnx file.
        model: PathBuf,
        /// Where to write the float model (JSON for `quantize --model` / `prove --float-model`);
        /// without it the model is only inspected.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Test set (JSON) to report the float accuracy on, in the model's input layout (flattened row-major).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Name recorded in the float model (default: the file's stem).
        #[arg(long)]
        name: Option<String>,
    },
    /// Quantize a float model and report float vs quantized accuracy on a test set.
    Quantize {
        /// Float model (JSON); default: the bundled digits MLP (`@digits`); `@breast-cancer`,
        /// `@diabetes`, `@mnist-mlp`, `@mnist-cnn` and `@mnist-lstm` name the other bundled models.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Test set to check bounds and accuracy (or, for a regression set, MSE) on; default:
        /// the bundled test set.
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value_t = 8)]
        scale_bits: u32,
        #[arg(long, default_value_t = 15)]
        value_bits: u32,
        /// Where to write the quantized model.
        #[arg(long, default_value = "model.quantized.json")]
        out: PathBuf,
    },
    /// Choose the fixed-point format (value bits b, scale bits s) for a model and test set: the
    /// smallest circuit whose quantized score is closest to the float score within the bound
    /// (a regression set: whose quantized MSE is within 1% of the float MSE).
    /// Prints the candidates as a markdown table (stderr) and JSON (stdout).
    Calibrate {
        /// Float model (JSON); default: the bundled digits MLP (`@digits`); `@breast-cancer`,
        /// `@diabetes`, `@mnist-mlp`, `@mnist-cnn` and `@mnist-lstm` name the other bundled models.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Test set; default: the bundled test set (`@digits-full` for all 1,797 samples,
        /// `@breast-cancer-test` for the breast-cancer set, `@diabetes-test` for the diabetes
        /// regression set).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Use only the first N samples.
        #[arg(long)]
        samples: Option<usize>,
        /// Smallest value bits b to try.
        #[arg(long, default_value_t = 8)]
        min_bits: u32,
        /// Largest value bits b to try (the lookup table has 2^b rows).
        #[arg(long, default_value_t = 16)]
        max_bits: u32,
        /// Also write the chosen quantized model here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the model and data set commitments (JSON).
    Commit {
        #[command(flatten)]
        inputs: Inputs,
        /// Also print the chunked data set commitment for chunks of this many samples.
        #[arg(long)]
        chunk_size: Option<usize>,
        /// Like --chunk-size, with the chunk size chosen for a prover memory budget in GiB
        /// (the same choice `prove --chunk-memory` makes; printed as chunk_size).
        #[arg(long, conflicts_with = "chunk_size")]
        chunk_memory: Option<f64>,
    },
    /// Create parameters and keys for the model's architecture and N; writes the verifying key
    /// (and, for Groth16, the proving key `pk.key` beside it).
    Setup {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        params: ParamsArgs,
        /// Where to write the verifying key.
        #[arg(long, default_value = "vk.key")]
        vk: PathBuf,
        /// Instead: the plan of a run in chunks of this many samples and its keys, in --keys.
        #[arg(long)]
        chunk_size: Option<usize>,
        #[command(flatten)]
        keys: crate::chunk_verbs::KeysDir,
    },
    /// Prove the model's score on the test set; writes the proof and the statement.
    Prove {
        #[command(flatten)]
        inputs: Inputs,
        #[command(flatten)]
        params: ParamsArgs,
        #[arg(long, default_value = "proof.bin")]
        proof: PathBuf,
        #[arg(long, default_value = "statement.json")]
        statement: PathBuf,
        /// Also write the verifying key here.
        #[arg(long, default_value = "vk.key")]
        vk: PathBuf,
        /// Prove in chunks of at most this many samples, one at a time (memory bounded by the
        /// chunk); writes a bundle (--bundle) with the chunk proofs and keys beside it.
        #[arg(long)]
        chunk_size: Option<usize>,
        /// Prove in chunks sized for this prover memory budget in GiB: the largest circuit
        /// (2^k rows) whose estimated peak fits, split into equal chunks (printed; the order's
        /// chunked commitment must use the same size: `commit --chunk-memory` prints it).
        #[arg(long, conflicts_with = "chunk_size")]
        chunk_memory: Option<f64>,
        /// The bundle file written with --chunk-size.
        #[arg(long, default_value = "bundle.json")]
        bundle: PathBuf,
        /// With --chunk-size: prove chunk I alone (0-based) with the keys of the plan in --keys,
        /// and write its chunk file (--chunk-out); `zkpot bundle` assembles chunk files.
        #[arg(long, requires = "chunk_size")]
        chunk: Option<usize>,
        /// The chunk file written with --chunk (default: chunk-III.json).
        #[arg(long, requires = "chunk")]
        chunk_out: Option<PathBuf>,
        #[command(flatten)]
        keys: crate::chunk_verbs::KeysDir,
    },
    /// Assemble chunk files (from `prove --chunk`) into the bundle `verify --bundle` checks,
    /// refusing a missing, duplicated, foreign or corrupt chunk, or one proved with another key.
    Bundle(crate::chunk_verbs::BundleArgs),
    /// Verify a proof of a statement against a verifying key (exit 0 accept, 1 reject). The key
    /// must be pinned (--vk-digest, --trusted-keys or --srs) or explicitly trusted as given
    /// (--trust-key-as-is); development keys are refused without --allow-insecure-dev.
    Verify {
        #[arg(long, default_value = "statement.json")]
        statement: PathBuf,
        #[arg(long, default_value = "proof.bin")]
        proof: PathBuf,
        #[arg(long, default_value = "vk.key")]
        vk: PathBuf,
        /// Verify a bundle of chunk proofs (from `prove --chunk-size`) instead.
        #[arg(long, conflicts_with_all = ["statement", "proof", "vk"])]
        bundle: Option<PathBuf>,
        /// Insist on this backend (default: whichever the statement and key name).
        #[arg(long, value_enum)]
        backend: Option<BackendKind>,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Write the Groth16 circuit's R1CS in iden3's `.r1cs` format, for a snarkjs phase-2
    /// ceremony (`snarkjs groth16 setup`, `zkey contribute`, `zkey beacon`, `zkey verify`);
    /// import the final `.zkey` with `setup --backend groth16 --zkey`.
    ExportR1cs {
        #[command(flatten)]
        inputs: Inputs,
        /// Where to write the `.r1cs` file.
        #[arg(long, default_value = "circuit.r1cs")]
        out: PathBuf,
    },
    /// Read a powers-of-tau ceremony file (snarkjs `.ptau` of any power, or halo2's format),
    /// check it (every point decoded and the same-ratio pairing check), print its fingerprint,
    /// and write it trimmed to 2^k powers in halo2's format.
    ImportSrs {
        /// The ceremony file.
        file: PathBuf,
        /// The circuit size to trim to (`zkpot setup` prints k; 2^k powers are kept).
        #[arg(long)]
        k: u32,
        /// Where to write the trimmed parameters (halo2's format, usable as `--srs`).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Measure the provers on the bundled digits MLP: for each backend and N, SRS, key
    /// generation, proving, verification, proof size, peak memory and circuit size; prints a
    /// markdown table and writes bench.json, bench.md and bench.svg under --out.
    Bench {
        /// Numbers of test samples, comma separated.
        #[arg(long, value_delimiter = ',', default_values_t = [1, 10, 100, 500])]
        samples: Vec<usize>,
        /// Backends, comma separated.
        #[arg(long, value_delimiter = ',', default_values_t = [String::from("halo2"), String::from("groth16")])]
        backend: Vec<String>,
        /// Workloads, comma separated: `digits` (the digits MLP), `mnist-mlp`, `mnist-cnn`,
        /// `mnist-lstm` (the bundled MNIST models on the first N of the 2,000 MNIST test digits).
        #[arg(long, value_delimiter = ',', default_values_t = [String::from("digits")])]
        workload: Vec<String>,
        /// Output directory.
        #[arg(long, default_value = "zkpot-bench")]
        out: PathBuf,
        /// Cache directory for development SRS files (default: $ZKPOT_CACHE or .zkpot-cache).
        #[arg(long)]
        cache: Option<PathBuf>,
        /// Measure one configuration in this process and print it as JSON (used by the runner).
        #[arg(long, hide = true)]
        one: bool,
        /// Measure nothing: merge these bench.json files (comma separated, from earlier runs)
        /// into one table and plot under --out.
        #[arg(long, value_delimiter = ',', conflicts_with = "one")]
        merge: Vec<PathBuf>,
    },
    /// Write the Solidity verifier of Groth16 proofs (BN254 precompiles), its creation bytecode,
    /// the deployment data for a key and the `verifyProof` calldata of a proof (docs/evm.md).
    ExportVerifier {
        /// Proof system; only `groth16` has an on-chain verifier.
        #[arg(long, default_value = "groth16")]
        backend: String,
        /// Groth16 verifying key (arkworks, compressed); with it, also writes deploy.hex.
        #[arg(long)]
        vk: Option<PathBuf>,
        /// Groth16 proof (arkworks, compressed); with --statement, also writes calldata.hex.
        #[arg(long, requires_all = ["statement", "vk"])]
        proof: Option<PathBuf>,
        /// The statement the proof is about.
        #[arg(long, requires = "proof")]
        statement: Option<PathBuf>,
        /// Output directory.
        #[arg(long, default_value = "zkpot-evm")]
        out: PathBuf,
    },
    /// Run one PBFT ledger node (a config written by `zkpot cluster`).
    Node(zkpot_ledger::node::NodeArgs),
    /// Write configs for a local cluster and start its node processes on loopback.
    Cluster(zkpot_ledger::cluster::ClusterArgs),
    /// Ledger client: submit transactions and query state (JSON out).
    Ledger {
        #[command(subcommand)]
        command: zkpot_ledger::cli::LedgerCommand,
    },
    /// The whole job on the bundled default: quantize, commit, setup, prove, verify (and the ledger).
    Demo {
        /// Number of test samples to prove (default: all 500).
        #[arg(long)]
        samples: Option<usize>,
        /// Directory for the demo's files.
        #[arg(long, default_value = "zkpot-demo")]
        out: PathBuf,
        /// Skip the ledger part.
        #[arg(long)]
        no_ledger: bool,
        /// Keep the ledger's cluster up after the scenario, every replica serving its read API
        /// and auditor page (the address is printed), until Ctrl-C.
        #[arg(long, conflicts_with = "no_ledger")]
        serve: bool,
        /// Address of replica 0's read API and page with --serve (default: a free loopback port).
        #[arg(long, requires = "serve")]
        serve_addr: Option<std::net::SocketAddr>,
        #[command(flatten)]
        params: ParamsArgs,
    },
}
