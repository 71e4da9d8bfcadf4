//! Flags every plugin takes itself (kubectl rejects flags placed before the plugin name).
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Output format of results on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Text,
    Json,
    Yaml,
}

/// The global flags. Flatten into each plugin's clap parser with `#[command(flatten)]`.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, which may list several files, then ~/.kube/config)
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use (default: the current context)
    #[arg(long, global = true, env = "PROMSTACK_CONTEXT", value_name = "NAME")]
    pub context: Option<String>,

    /// Namespace of the monitoring stack
    #[arg(
        short = 'n',
        long,
        global = true,
        env = "PROMSTACK_NAMESPACE",
        default_value = "monitoring"
    )]
    pub namespace: String,

    /// Result format on stdout
    #[arg(
        short = 'o',
        long,
        global = true,
        env = "PROMSTACK_OUTPUT",
        value_enum,
        default_value_t = OutputFormat::Text
    )]
    pub output: OutputFormat,

    /// No colour (also when NO_COLOR is set or stderr is not a terminal)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Answer yes to confirmations (needed without a terminal)
    #[arg(short = 'y', long, global = true, env = "PROMSTACK_YES")]
    pub yes: bool,

    /// More detail on stderr (-v, -vv)
    #[arg(short = 'v', long = "verbose", global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl GlobalArgs {
    /// Arguments for a test or a caller that builds them in code.
    pub fn for_namespace(namespace: &str) -> Self {
        GlobalArgs {
            kubeconfig: None,
            context: None,
            namespace: namespace.to_string(),
            output: OutputFormat::Text,
            no_color: true,
            yes: false,
            verbose: 0,
        }
    }
}

/// Run a plugin's `run` future on a current-thread runtime, print its error (if any) the way every
/// plugin does, and exit with the exit code that error maps to.
pub fn run_main<F>(fut: F) -> !
where
    F: std::future::Future<Output = anyhow::Result<crate::ExitCode>>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = match runtime.block_on(fut) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("{}", crate::error::render(&err));
            crate::error::exit_code_of(&err)
        }
    };
    std::process::exit(code.code());
}

/// Resolves on Ctrl-C or SIGTERM, naming which.
pub async fn interrupted() -> &'static str {
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
