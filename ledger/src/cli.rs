//! Client command line: `zkpot ledger <command> --cluster DIR --key-seed SEED ...`.
//! Each transaction type and query is a subcommand; output is JSON. A transaction's
//! JSON has `"ok": false` and a `"reason"` when the ledger rejected it (see
//! [`exit_code`]). Arguments are validated into typed values before anything is sent.

use crate::account::Role;
use crate::bytes32::Bytes32;
use crate::claim::claim_commitment;
use crate::client::{ledger_time, query, send_tx};
use crate::cluster::stop_cluster;
use crate::config::ClusterDir;
use crate::error::LedgerError;
use crate::keys::{account_of, signing_key_from_seed};
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
    /// Seed of the signing account (e.g. `dev/requester`; see `zkpot cluster` output).
    #[arg(long, default_value = "dev/requester")]
    pub key_seed: String,
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
        /// Validation phase length (ms).
        #[arg(long, default_value_t = 60_000)]
        validation_ms: u64,
        /// Challenge phase length (ms).
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
    /// Validate a revealed claim with statement.json and the proof file.
    Validate {
        #[command(flatten)]
        opts: ClientOpts,
        #[arg(long)]
        order: u64,
        #[arg(long)]
        claim: u64,
        #[arg(long)]
        statement: PathBuf,
        /// Proof bytes (binary file).
        #[arg(long)]
        proof: PathBuf,
        #[arg(long)]
        stake: u64,
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
        /// Account id (0x + 64 hex); default: the --key-seed account.
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
    /// Print the account id of a seed (no network).
    Keygen {
        #[arg(long)]
        seed: String,
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

fn connect(opts: &ClientOpts) -> Result<PbftLedger, LedgerError> {
    let cluster = ClusterDir(opts.cluster.clone()).load_cluster()?;
    PbftLedger::connect(&cluster, &opts.key_seed)
}

async fn tx(opts: &ClientOpts, body: TxBody) -> Result<Value, LedgerError> {
    let mut l = connect(opts)?;
    let key = signing_key_from_seed(&opts.key_seed);
    Ok(serde_json::to_value(send_tx(&mut l, &key, body).await?)?)
}

async fn ask(opts: &ClientOpts, q: Query) -> Result<Value, LedgerError> {
    let mut l = connect(opts)?;
    query(&mut l, q).await
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
                (None, Some(s)) => account_of(&signing_key_from_seed(&s)),
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
            let mut l = connect(&opts)?;
            let now = ledger_time(&mut l).await?;
            let training_deadline = now.saturating_add(training_ms);
            let validation_deadline = training_deadline.saturating_add(validation_ms);
            let spec = OrderSpec {
                reward,
                shape_id,
                dataset_commitment: dataset,
                samples,
                training_deadline,
                validation_deadline,
                challenge_deadline: validation_deadline.saturating_add(challenge_ms),
                mode,
                min_validator_stake,
                score_function,
            };
            let key = signing_key_from_seed(&opts.key_seed);
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
            let me = account_of(&signing_key_from_seed(&opts.key_seed));
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
        C::Validate {
            opts,
            order,
            claim,
            statement,
            proof,
            stake,
        } => {
            let statement = read_statement(&statement)?;
            let proof = std::fs::read(&proof)
                .map_err(|e| LedgerError::io(proof.display().to_string(), e))?;
            tx(
                &opts,
                TxBody::Validate {
                    order,
                    claim,
                    statement,
                    proof,
                    stake,
                },
            )
            .await
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
                None => account_of(&signing_key_from_seed(&opts.key_seed)),
            };
            ask(&opts, Query::GetAccount { account }).await
        }
        C::Validations { opts, order } => ask(&opts, Query::GetValidations { order }).await,
        C::Totals { opts } => ask(&opts, Query::Totals).await,
        C::Keygen { seed } => {
            Ok(json!({"seed": seed, "account": account_of(&signing_key_from_seed(&seed))}))
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
