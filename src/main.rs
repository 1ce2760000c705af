use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = rehearse::cli::Cli::parse();
    match rehearse::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = rehearse::cmd::exit_code(&err);
            if code != rehearse::cmd::exit::OK {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(code)
        }
    }
}
