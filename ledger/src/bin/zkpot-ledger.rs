//! `zkpot-ledger`: the ledger's own thin binary (the same commands the `zkpot`
//! binary exposes): `node --config`, `cluster --nodes --dir`, `ledger <command>`,
//! `demo`.

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use zkpot_ledger::cli::{self, LedgerCommand};
use zkpot_ledger::cluster::{self, ClusterArgs};
use zkpot_ledger::node::{self, NodeArgs};

#[derive(Parser)]
#[command(name = "zkpot-ledger", about = "Proof-of-Training ledger over PBFT")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one node.
    Node(NodeArgs),
    /// Write a local cluster's configs and start it as separate processes.
    Cluster(ClusterArgs),
    /// Client commands.
    Ledger {
        #[command(subcommand)]
        cmd: LedgerCommand,
    },
    /// Run the PoT demo on a fresh in-process 4-node cluster with the fake SNARK.
    Demo,
}

fn main() -> ExitCode {
    let out = match Cli::parse().cmd {
        Cmd::Node(a) => node::run_node_builtin(&a).map(|()| serde_json::Value::Null),
        Cmd::Cluster(a) => cluster::run_cluster(&a),
        Cmd::Ledger { cmd } => cli::run(cmd),
        Cmd::Demo => zkpot_ledger::demo::run_fake_demo_blocking(),
    };
    match out {
        Ok(serde_json::Value::Null) => ExitCode::SUCCESS,
        Ok(v) => {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::from(cli::exit_code(&v) as u8)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
