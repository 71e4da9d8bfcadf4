use clap::Parser;
use promstack_install::{cli::Cli, run};
use promstack_shared::error::{exit_code_of, render};
use promstack_shared::ExitCode;

fn main() {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    // Ctrl-C / SIGTERM drop the running install: helm is killed (kill_on_drop) and the temp
    // values dir removed. A release left pending-* is recovered with --recover.
    let code = runtime.block_on(async {
        tokio::select! {
            res = run(cli) => match res {
                Ok(code) => code,
                Err(err) => {
                    eprintln!("{}", render(&err));
                    exit_code_of(&err)
                }
            },
            signal = interrupted() => {
                eprintln!("\ninterrupted by {signal}: stopped. If helm was running, run again with --recover.");
                ExitCode::Runtime
            }
        }
    });
    std::process::exit(code.code());
}

async fn interrupted() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => "Ctrl-C",
            _ = term.recv() => "SIGTERM",
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
