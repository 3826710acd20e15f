//! `zkpot`: the command line. A thin main: parse, dispatch (`execute.rs`), report errors.

mod chunk_memory;
mod chunk_verbs;
mod chunked;
mod cli;
mod execute;
mod groth16_keys;
mod ledger_demo;
mod report;
mod trust;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    if let Err(e) = execute::run(cli.command) {
        let code = if e.downcast_ref::<execute::Rejected>().is_some() { execute::EXIT_REJECTED } else { 2 };
        eprintln!("error: {e}");
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(code);
    }
}
