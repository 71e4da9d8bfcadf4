use clap::Parser;
use promstack_alert_test::cli::{run, Cli};
use promstack_shared::error::{exit_code_of, render};

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("{}", render(&err));
            exit_code_of(&err)
        }
    };
    std::process::exit(code.code());
}
