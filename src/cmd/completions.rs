//! `rehearse completions <shell>`.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::Cli;

pub fn run(shell: clap_complete::Shell) -> crate::Result<()> {
    let mut cmd = Cli::command();
    // Generate into memory first: clap_complete panics on write errors such as a closed pipe.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "rehearse", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(())
}
