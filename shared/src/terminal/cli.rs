//! Flags every plugin takes itself (kubectl rejects flags placed before the plugin name).
//!
//! The common flags are `global`: kubectl users type them anywhere, before or after a subcommand
//! (`kubectl promstack install -n x status` and `... status -n x` mean the same). A plugin whose
//! bare name is a verb too (`install`, `alert-test`) parses with [`parse_verb_cli`], which keeps
//! that verb's own flags from being taken silently when a subcommand follows them.
use clap::{Args, Parser, ValueEnum};
use std::ffi::OsString;
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

/// The flags of every list verb: `-A`, and sources whose objects to list (`kubectl get -f`).
#[derive(Debug, Clone, Args)]
pub struct ListArgs<S: crate::input::sources::SourceSet> {
    #[command(flatten)]
    pub sources: crate::input::sources::SourceArgs<S>,
    /// Every namespace
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
}

impl<S: crate::input::sources::SourceSet> ListArgs<S> {
    pub fn options(&self, g: &GlobalArgs) -> crate::terminal::verb::ListOptions {
        crate::terminal::verb::ListOptions {
            namespace: (!self.all_namespaces).then(|| g.namespace.clone()),
            sources: self.sources.named(),
            sources_namespace: g.namespace.clone(),
        }
    }
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

/// Parse the command line of a plugin that is a verb itself and has subcommands too: `P` is the
/// whole parser, `V` the flags of the bare verb (`kubectl promstack install --env cloud`). Common
/// (global) flags go anywhere; a flag of the bare verb given together with a subcommand is
/// refused, naming the flag and where it belongs, instead of being ignored.
pub fn parse_verb_cli<P, V>(
    args: impl IntoIterator<Item = impl Into<OsString> + Clone>,
) -> Result<P, clap::Error>
where
    P: Parser,
    V: Args,
{
    let mut cmd = P::command();
    let matches = cmd.try_get_matches_from_mut(args)?;
    if let Some(sub) = matches.subcommand_name() {
        let verb_flags = V::augment_args(clap::Command::new("verb"));
        for arg in verb_flags.get_arguments() {
            let given = matches.value_source(arg.get_id().as_str())
                == Some(clap::parser::ValueSource::CommandLine);
            if given {
                let flag = arg
                    .get_long()
                    .map(|l| format!("--{l}"))
                    .unwrap_or_else(|| arg.get_id().to_string());
                let me = cmd.get_name().to_string();
                return Err(cmd.error(
                    clap::error::ErrorKind::ArgumentConflict,
                    format!("{flag} is a flag of `{me}` itself, not of `{me} {sub}`: leave it out, or run `{me} {sub} --help` for the flags of `{sub}`"),
                ));
            }
        }
    }
    P::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// Run a plugin's `run` future on a current-thread runtime, print its error (if any) the way every
/// plugin does, and exit with the exit code that error maps to. A terminal left mid-prompt by an
/// interruption is put back first (echo on, cursor shown).
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
            crate::terminal::prompt::restore_terminal();
            eprintln!("{}", crate::error::render(&err));
            crate::error::exit_code_of(&err)
        }
    };
    std::process::exit(code.code());
}

/// Resolves on Ctrl-C or SIGTERM, naming which.
pub async fn interrupted() -> crate::Signal {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => crate::Signal::CtrlC,
            _ = term.recv() => crate::Signal::Term,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        crate::Signal::CtrlC
    }
}

/// Run `fut` unless Ctrl-C or SIGTERM comes first: then `fut` is dropped (child processes it
/// started with `kill_on_drop` are killed, temporary files removed) and the result is an
/// interruption (exit 130 or 143) whose message is `then`: what the user should know or do.
pub async fn or_interrupted<T>(
    fut: impl std::future::Future<Output = anyhow::Result<T>>,
    then: &str,
) -> anyhow::Result<T> {
    or_interrupted_with(fut, || then.to_string()).await
}

/// [`or_interrupted`] with a message made when the signal comes: what is true at that moment
/// (nothing written yet, or helm running...).
pub async fn or_interrupted_with<T>(
    fut: impl std::future::Future<Output = anyhow::Result<T>>,
    then: impl FnOnce() -> String,
) -> anyhow::Result<T> {
    tokio::select! {
        res = fut => res,
        signal = interrupted() => Err(crate::Error::interrupted(signal, then()).into()),
    }
}
