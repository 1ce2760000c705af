use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = rehearse::cli::Cli::parse();
    match rehearse::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = err.exit_code();
            if code != rehearse::error::OK {
                // Errors carry server and file text: shown, never obeyed.
                eprintln!("error: {}", rehearse::ui::clean(&err.to_string()));
            }
            ExitCode::from(code)
        }
    }
}
