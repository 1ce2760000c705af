use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = rehearse::cli::Cli::parse();
    match rehearse::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = err.exit_code();
            if code != rehearse::error::OK {
                eprintln!("error: {err}");
            }
            ExitCode::from(code)
        }
    }
}
