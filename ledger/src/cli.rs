//! Client command line: `zkpot ledger <command> --cluster DIR --key FILE ...`.
//! Each transaction type and query is a subcommand; output is JSON. A transaction's
//! JSON has `"ok": false` and a `"reason"` when the ledger rejected it (see
//! [`exit_code`]). Arguments are validated into typed values before anything is sent.
//!
//! Transactions are signed with the key in `--key FILE` (made by `zkpot ledger keygen
//! --out FILE`, mode 0600). `--key-seed dev/<name>` signs with a development account's
//! PUBLIC-seed key instead (development clusters only; a warning is printed).

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::claim::claim_commitment;
use crate::client::{ledger_time, query, reveal_validation, send_tx, validation_commit_body};
use crate::cluster::stop_cluster;
use crate::config::ClusterDir;
use crate::error::LedgerError;
use crate::keys::{account_of, generate_key, read_key_file, signing_key_from_seed, write_key_file};
use ed25519_dalek::SigningKey;
use crate::net_client::PbftLedger;
use crate::order::{Mode, OrderSpec, ScoreFunction};
use crate::statement::{Statement, StatementChecks};
use crate::tx::{Query, TxBody};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Options every client command takes.
#[derive(Clone, Debug, clap::Args)]
pub struct ClientOpts {
    /// Cluster directory (reads DIR/cluster.json).
    #[arg(long)]
    pub cluster: PathBuf,
    /// Key file of the signing account (`zkpot ledger keygen --out FILE`, or
    /// `DIR/keys/<name>.key` of a `zkpot cluster`).
    #[arg(long, conflicts_with = "key_seed")]
    pub key: Option<PathBuf>,
    /// DEVELOPMENT ONLY: sign with the public-seed key of a development account
    /// (`dev/<name>` of `zkpot cluster --dev`); anyone can sign with these keys.
    #[arg(long)]
    pub key_seed: Option<String>,
}

impl ClientOpts {
    /// The signing key: `--key FILE`, or a `dev/...` seed (with a warning).
    pub fn signing_key(&self) -> Result<SigningKey, LedgerError> {
        match (&self.key, &self.key_seed) {
            (Some(path), _) => read_key_file(path),
            (None, Some(seed)) if seed.starts_with("dev/") => {
                eprintln!("WARNING: --key-seed {seed}: a development account whose key comes from a public seed; anyone can sign for it");
                Ok(signing_key_from_seed(seed))
            }
            (None, Some(seed)) => Err(LedgerError::Usage(format!(
                "--key-seed is only for the development accounts (dev/<name>), got {seed:?}; use --key FILE"
            ))),
            (None, None) => Err(LedgerError::Usage("give --key FILE (the signing account's key file)".into())),
        }
    }
}

/// What a validation commits to.
#[derive(Clone, Debug, clap::Args)]
pub struct ValidationArgs {
    /// The order.
    #[arg(long)]
    pub order: u64,
    /// The (revealed) claim validated.
    #[arg(long)]
    pub claim: u64,
    /// statement.json.
    #[arg(long)]
    pub statement: PathBuf,
    /// Proof bytes (binary file).
    #[arg(long)]
    pub proof: PathBuf,
    /// Stake escrowed with the validation.
    #[arg(long)]
    pub stake: u64,
}

/// `zkpot ledger` subcommands.
#[derive(Clone, Debug, clap::Subcommand)]
pub enum LedgerCommand {
    /// Register the signer as a node with a role and stake.
    Register {
        #[command(flatten)]
        opts: ClientOpts,
        /// provider | validator | verifier
        #[arg(long)]
        role: String,
        #[arg(long)]
        stake: u64,
    },
    /// Unregister the signer (stake returned).
    Unregister {
        #[command(flatten)]
        opts: ClientOpts,
    },
    /// Transfer balance.
    Transfer {
        #[command(flatten)]
        opts: ClientOpts,
        /// Recipient account (0x + 64 hex) ...
        #[arg(long, conflicts_with = "to_seed")]
        to: Option<String>,
        /// ... or recipient seed.
        #[arg(long)]
        to_seed: Option<String>,
        #[arg(long)]
        amount: u64,
    },
    /// Put an order; deadlines are phase lengths from the current ledger time.
    /// Phases: training (claim commits), validation (claim reveals, validation
    /// commitments), reveal (validation reveals), challenge.
    Order {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        reward: u64,
        /// Take shape id, dataset commitment and N from this statement.json.
        #[arg(long)]
        from_statement: Option<PathBuf>,
        /// Architecture id = circuit shape id (hex).
        #[arg(long)]
        shape_id: Option<String>,
        /// Dataset commitment (0x + 64 hex).
        #[arg(long)]
        dataset: Option<String>,
        /// Test-set size N.
        #[arg(long)]
        samples: Option<u64>,
        /// Training phase length (ms of ledger time).
        #[arg(long, default_value_t = 60_000)]
        training_ms: u64,
        /// Validation phase length (ms): claim reveals and validation commitments.
        #[arg(long, default_value_t = 60_000)]
        validation_ms: u64,
        /// Reveal phase length (ms): validation reveals (at least the network minimum).
        #[arg(long, default_value_t = 30_000)]
        reveal_ms: u64,
        /// Challenge phase length after the reveal deadline (ms; at least the network
        /// minimum).
        #[arg(long, default_value_t = 60_000)]
        challenge_ms: u64,
        /// eager | optimistic
        #[arg(long, default_value = "optimistic")]
        mode: String,
        #[arg(long, default_value_t = 100)]
        min_validator_stake: u64,
        /// Score function validations must prove: top-1, top-K (e.g. top-3) or mse
        /// (lower wins). Default: the statement's (--from-statement), else top-1.
        #[arg(long)]
        score: Option<String>,
    },
    /// Commit to a claim: H(model || salt || provider key), computed here.
    ClaimCommit {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        order: u64,
        /// Model commitment (0x + 64 hex).
        #[arg(long)]
        model: String,
        /// Salt (0x + 64 hex); keep it for the reveal.
        #[arg(long)]
        salt: String,
    },
    /// Reveal a claim.
    ClaimReveal {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        order: u64,
        #[arg(long)]
        model: String,
        #[arg(long)]
        salt: String,
    },
    /// Validate a revealed claim with statement.json and the proof file: commit now,
    /// wait until the order's validation deadline, reveal (both steps in one command).
    Validate {
        #[command(flatten)]
        opts: ClientOpts,
        #[command(flatten)]
        v: ValidationArgs,
    },
    /// Commit to a validation only (reveal later with `validate-reveal` and the same
    /// salt); prints the validation id and the salt.
    ValidateCommit {
        #[command(flatten)]
        opts: ClientOpts,
        #[command(flatten)]
        v: ValidationArgs,
        /// Salt (0x + 64 hex); default: random (printed; keep it for the reveal).
        #[arg(long)]
        salt: Option<String>,
    },
    /// Reveal a committed validation; waits until the order's validation deadline.
    ValidateReveal {
        #[command(flatten)]
        opts: ClientOpts,
        /// The order (its validation deadline is when reveals open).
        #[arg(long)]
        order: u64,
        #[arg(long)]
        validation: u64,
        #[arg(long)]
        statement: PathBuf,
        #[arg(long)]
        proof: PathBuf,
        #[arg(long)]
        salt: String,
    },
    /// Challenge a validation.
    Challenge {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        validation: u64,
        #[arg(long)]
        stake: u64,
    },
    /// Finalize an order after its challenge deadline.
    Finalize {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        order: u64,
    },
    /// Show an order, its claims and winner.
    GetOrder {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        order: u64,
    },
    /// List orders.
    ListOrders {
        #[command(flatten)]
        opts: ClientOpts,
    },
    /// Show an account (default: the signer's).
    Account {
        #[command(flatten)]
        opts: ClientOpts,
        /// Account id (0x + 64 hex); default: the signer's account.
        #[arg(long)]
        account: Option<String>,
    },
    /// Show an order's validations.
    Validations {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        order: u64,
    },
    /// Ledger totals and time.
    Totals {
        #[command(flatten)]
        opts: ClientOpts,
    },
    /// Make a random account key (OS generator) into a key file (mode 0600) and print
    /// its account id; no network.
    Keygen {
        /// Key file to write (refused if it exists).
        #[arg(long, required_unless_present = "seed")]
        out: Option<PathBuf>,
        /// DEVELOPMENT ONLY: print the account of a public seed instead (no file).
        #[arg(long, conflicts_with = "out")]
        seed: Option<String>,
    },
    /// Check a node's stable checkpoint certificate (its read API's `/api/v1/checkpoint`)
    /// against your cluster file (replica keys, f) and genesis (network id): agree when at
    /// least f + 1 distinct replicas of your cluster signed its (seq, digest) and the
    /// certified snapshot is of your network. Exit status 1 on disagree.
    Checkpoint {
        /// Cluster directory: reads DIR/cluster.json and DIR/genesis.json (public files).
        #[arg(long)]
        cluster: PathBuf,
        /// The node's read API, http://HOST:PORT.
        #[arg(long)]
        api: String,
        /// Skip reading the certified snapshot (the whole ledger state): the signatures are
        /// checked, but the network is then bound only through the replica keys.
        #[arg(long)]
        no_snapshot: bool,
    },
    /// Kill the node processes started by `zkpot cluster --dir DIR`.
    Stop {
        #[arg(long)]
        cluster: PathBuf,
    },
}

/// 0 if the command's JSON is not a rejected transaction, 1 if it is.
pub fn exit_code(v: &Value) -> i32 {
    if v.get("ok") == Some(&Value::Bool(false)) {
        1
    } else {
        0
    }
}

fn hex32(what: &str, s: &str) -> Result<Bytes32, LedgerError> {
    Bytes32::from_hex(s).map_err(|e| LedgerError::Usage(format!("--{what}: {e}")))
}

fn read_statement(path: &std::path::Path) -> Result<Statement, LedgerError> {
    crate::config::read_json(path)
}

/// Connects as the PBFT client of account key `key` (its client key is derived from
/// the account secret), or as a fresh random client for queries.
fn connect(opts: &ClientOpts, key: Option<&SigningKey>) -> Result<PbftLedger, LedgerError> {
    use sha2::{Digest, Sha256};
    let cluster = ClusterDir(opts.cluster.clone()).load_cluster()?;
    let client_key = match key {
        Some(k) => {
            let mut h = Sha256::new();
            h.update(b"zkpot-ledger/pbft-client/v1");
            h.update(k.to_bytes());
            SigningKey::from_bytes(&h.finalize().into())
        }
        None => generate_key(),
    };
    PbftLedger::connect_with_key(&cluster, client_key)
}

/// The signing key and a connection as its client.
fn signer(opts: &ClientOpts) -> Result<(SigningKey, PbftLedger), LedgerError> {
    let key = opts.signing_key()?;
    let l = connect(opts, Some(&key))?;
    Ok((key, l))
}

async fn tx(opts: &ClientOpts, body: TxBody) -> Result<Value, LedgerError> {
    let (key, mut l) = signer(opts)?;
    Ok(serde_json::to_value(send_tx(&mut l, &key, body).await?)?)
}

async fn ask(opts: &ClientOpts, q: Query) -> Result<Value, LedgerError> {
    let mut l = connect(opts, None)?;
    query(&mut l, q).await
}

fn read_proof(path: &std::path::Path) -> Result<Vec<u8>, LedgerError> {
    std::fs::read(path).map_err(|e| LedgerError::io(path.display().to_string(), e))
}

/// A random salt.
fn random_salt() -> Bytes32 {
    Bytes32(generate_key().to_bytes())
}

/// The validation deadline of the order a validation belongs to (from its listing).
async fn validation_opens(l: &mut PbftLedger, order: u64) -> Result<u64, LedgerError> {
    let o = query(l, Query::GetOrder { order }).await?;
    o["spec"]["validation_deadline"]
        .as_u64()
        .ok_or_else(|| LedgerError::Usage(format!("order {order}: {}", o["error"])))
}

/// Reads the statement and proof of `v`, commits to them with `salt`; returns the
/// outcome JSON, the validation id if accepted, and the statement and proof.
async fn commit_validation(
    l: &mut PbftLedger,
    key: &SigningKey,
    v: &ValidationArgs,
    salt: &Bytes32,
) -> Result<(Value, Option<u64>, Statement, Vec<u8>), LedgerError> {
    let (statement, proof) = (read_statement(&v.statement)?, read_proof(&v.proof)?);
    let body = validation_commit_body(l, key, v.order, v.claim, &statement, &proof, salt, v.stake).await?;
    let o = send_tx(l, key, body).await?;
    let id = match &o.receipt {
        Some(crate::state::Receipt::ValidationCommitted { validation, .. }) => Some(*validation),
        _ => None,
    };
    Ok((serde_json::to_value(o)?, id, statement, proof))
}

/// Runs one client command (async).
pub async fn run_async(cmd: LedgerCommand) -> Result<Value, LedgerError> {
    use LedgerCommand as C;
    match cmd {
        C::Register { opts, role, stake } => {
            let role = Role::parse(&role).ok_or_else(|| {
                LedgerError::Usage(format!(
                    "--role must be provider|validator|verifier, got {role}"
                ))
            })?;
            tx(&opts, TxBody::Register { role, stake }).await
        }
        C::Unregister { opts } => tx(&opts, TxBody::Unregister).await,
        C::Transfer {
            opts,
            to,
            to_seed,
            amount,
        } => {
            let to = match (to, to_seed) {
                (Some(t), _) => hex32("to", &t)?,
                (None, Some(s)) => {
                    eprintln!("WARNING: --to-seed {s}: an account whose key comes from a public seed");
                    account_of(&signing_key_from_seed(&s))
                }
                (None, None) => return Err(LedgerError::Usage("give --to or --to-seed".into())),
            };
            tx(&opts, TxBody::Transfer { to, amount }).await
        }
        C::Order {
            opts,
            reward,
            from_statement,
            shape_id,
            dataset,
            samples,
            training_ms,
            validation_ms,
            reveal_ms,
            challenge_ms,
            mode,
            min_validator_stake,
            score,
        } => {
            let st = from_statement.as_deref().map(read_statement).transpose()?;
            let score_function = match (score, &st) {
                (Some(s), _) => ScoreFunction::parse(&s).map_err(|e| LedgerError::Usage(format!("--score: {e}")))?,
                (None, Some(s)) => s.score_function,
                (None, None) => ScoreFunction::Top1,
            };
            let shape_id = shape_id
                .or_else(|| st.as_ref().map(|s| s.shape_id.clone()))
                .ok_or_else(|| LedgerError::Usage("give --shape-id or --from-statement".into()))?;
            let dataset = match (dataset, &st) {
                (Some(d), _) => hex32("dataset", &d)?,
                (None, Some(s)) => s.dataset().map_err(LedgerError::Rejected)?,
                (None, None) => {
                    return Err(LedgerError::Usage(
                        "give --dataset or --from-statement".into(),
                    ))
                }
            };
            let samples = samples
                .or_else(|| st.as_ref().map(|s| s.samples))
                .ok_or_else(|| LedgerError::Usage("give --samples or --from-statement".into()))?;
            let mode = Mode::parse(&mode).ok_or_else(|| {
                LedgerError::Usage(format!("--mode must be eager|optimistic, got {mode}"))
            })?;
            let (key, mut l) = signer(&opts)?;
            let now = ledger_time(&mut l).await?;
            let training_deadline = now.saturating_add(training_ms);
            let validation_deadline = training_deadline.saturating_add(validation_ms);
            let reveal_deadline = validation_deadline.saturating_add(reveal_ms);
            let spec = OrderSpec {
                reward,
                shape_id,
                dataset_commitment: dataset,
                samples,
                training_deadline,
                validation_deadline,
                reveal_deadline,
                challenge_deadline: reveal_deadline.saturating_add(challenge_ms),
                mode,
                min_validator_stake,
                score_function,
            };
            Ok(serde_json::to_value(
                send_tx(&mut l, &key, TxBody::PutOrder(spec)).await?,
            )?)
        }
        C::ClaimCommit {
            opts,
            order,
            model,
            salt,
        } => {
            let (model, salt) = (hex32("model", &model)?, hex32("salt", &salt)?);
            let me = account_of(&opts.signing_key()?);
            let commitment = claim_commitment(&model, &salt, &me);
            tx(&opts, TxBody::ClaimCommit { order, commitment }).await
        }
        C::ClaimReveal {
            opts,
            order,
            model,
            salt,
        } => {
            let (model_commitment, salt) = (hex32("model", &model)?, hex32("salt", &salt)?);
            tx(
                &opts,
                TxBody::ClaimReveal {
                    order,
                    model_commitment,
                    salt,
                },
            )
            .await
        }
        C::Validate { opts, v } => {
            let (key, mut l) = signer(&opts)?;
            let salt = random_salt();
            let (committed, id, statement, proof) = commit_validation(&mut l, &key, &v, &salt).await?;
            let Some(validation) = id else {
                return Ok(committed);
            };
            let opens = validation_opens(&mut l, v.order).await?;
            let mut revealed = serde_json::to_value(
                reveal_validation(&mut l, &key, opens, validation, &statement, &proof, &salt).await?,
            )?;
            revealed["commit"] = committed;
            Ok(revealed)
        }
        C::ValidateCommit { opts, v, salt } => {
            let salt = match salt {
                Some(s) => hex32("salt", &s)?,
                None => random_salt(),
            };
            let (key, mut l) = signer(&opts)?;
            let (mut out, ..) = commit_validation(&mut l, &key, &v, &salt).await?;
            out["salt"] = json!(salt);
            Ok(out)
        }
        C::ValidateReveal {
            opts,
            order,
            validation,
            statement,
            proof,
            salt,
        } => {
            let (statement, proof, salt) = (read_statement(&statement)?, read_proof(&proof)?, hex32("salt", &salt)?);
            let (key, mut l) = signer(&opts)?;
            let opens = validation_opens(&mut l, order).await?;
            Ok(serde_json::to_value(
                reveal_validation(&mut l, &key, opens, validation, &statement, &proof, &salt).await?,
            )?)
        }
        C::Challenge {
            opts,
            validation,
            stake,
        } => tx(&opts, TxBody::Challenge { validation, stake }).await,
        C::Finalize { opts, order } => tx(&opts, TxBody::Finalize { order }).await,
        C::GetOrder { opts, order } => ask(&opts, Query::GetOrder { order }).await,
        C::ListOrders { opts } => ask(&opts, Query::ListOrders).await,
        C::Account { opts, account } => {
            let account = match account {
                Some(a) => hex32("account", &a)?,
                None => account_of(&opts.signing_key()?),
            };
            ask(&opts, Query::GetAccount { account }).await
        }
        C::Validations { opts, order } => ask(&opts, Query::GetValidations { order }).await,
        C::Totals { opts } => ask(&opts, Query::Totals).await,
        C::Keygen { out, seed } => match (out, seed) {
            (Some(path), _) => {
                if path.exists() {
                    return Err(LedgerError::Usage(format!("{} exists; not overwriting a key", path.display())));
                }
                let key = generate_key();
                write_key_file(&path, &key)?;
                Ok(json!({"key_file": path, "account": account_of(&key)}))
            }
            (None, Some(seed)) => Ok(json!({
                "seed": seed,
                "account": account_of(&signing_key_from_seed(&seed)),
                "warning": "a public-seed development key: anyone can sign for this account",
            })),
            (None, None) => Err(LedgerError::Usage("give --out FILE".into())),
        },
        C::Checkpoint { cluster, api, no_snapshot } => {
            let dir = ClusterDir(cluster);
            let genesis: crate::state::Genesis = crate::config::read_json(&dir.genesis())?;
            crate::api::fetch::check_checkpoint(&api, &dir.load_cluster()?, genesis.network_id(), !no_snapshot).await
        }
        C::Stop { cluster } => stop_cluster(&cluster),
    }
}

/// Runs one client command on a fresh tokio runtime (do not call from inside one).
pub fn run(cmd: LedgerCommand) -> Result<Value, LedgerError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| LedgerError::io("tokio runtime", e))?;
    rt.block_on(run_async(cmd))
}
