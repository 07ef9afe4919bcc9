//! The `quire` binary: a clap CLI that wires configuration, the store, the use cases and the web
//! server together. Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input.

mod backup;
mod cli;
mod logging;
mod transfer;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use quire_app::users::NewAccount;
use quire_app::{App, Config};

use crate::cli::{Cli, Command, SettingsCommand, TokenCommand, UserCommand};

/// A failure with the exit code it deserves and a one-line cause.
pub(crate) struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Failure {
        Failure { code: 2, message: message.into() }
    }

    pub(crate) fn runtime(message: impl Into<String>) -> Failure {
        Failure { code: 1, message: message.into() }
    }
}

impl From<quire_app::Error> for Failure {
    fn from(e: quire_app::Error) -> Self {
        match e {
            quire_app::Error::Invalid(_) | quire_app::Error::Conflict(_) => Failure::usage(e.to_string()),
            other => Failure::runtime(other.to_string()),
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("bad usage").trim_start_matches("error: ");
            eprintln!("quire: {first} (see quire --help)");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("quire: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("quire: {}", failure.message.replace('\n', " "));
            ExitCode::from(failure.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let command = cli.command.clone().unwrap_or_default();
    let config =
        Config::load(cli.config.as_deref(), &cli.overrides(&command)).map_err(|e| Failure::usage(e.to_string()))?;
    match command {
        Command::Serve(args) if args.print_config => {
            print!("{}", config.to_toml());
            Ok(())
        }
        Command::Serve(_) => serve(config).await,
        Command::Migrate => {
            logging::init(&config, true);
            let app = open(config_without_demo(config)).await?;
            println!("database is up to date (content version {})", app.version());
            Ok(())
        }
        Command::Settings { command } => {
            logging::init(&config, true);
            let app = open(config_without_demo(config)).await?;
            match command {
                SettingsCommand::Show { key } => {
                    let all = serde_json::to_value(&*app.settings().await).unwrap_or_default();
                    let shown = match key {
                        None => all,
                        Some(key) => {
                            all.get(&key).cloned().ok_or_else(|| Failure::usage(format!("`{key}` is not a setting")))?
                        }
                    };
                    println!("{}", serde_json::to_string_pretty(&shown).unwrap_or_default());
                }
                SettingsCommand::Set { key, value } => {
                    let value: serde_json::Value = serde_json::from_str(&value)
                        .map_err(|e| Failure::usage(format!("the value for `{key}` is not JSON: {e}")))?;
                    let settings = app.update_setting(&key, value).await?;
                    let now = serde_json::to_value(&settings).unwrap_or_default();
                    println!("{key} = {}", now.get(&key).cloned().unwrap_or_default());
                }
            }
            Ok(())
        }
        Command::Import { command } => {
            logging::init(&config, true);
            let app = open(config_without_demo(config)).await?;
            transfer::import(&app, command).await
        }
        Command::Copy(args) => {
            logging::init(&config, true);
            transfer::copy(&config, args).await
        }
        Command::Backup(args) => {
            logging::init(&config, true);
            backup::run(&config, cli.config.as_deref(), args).await
        }
        Command::Export(args) => {
            logging::init(&config, true);
            let app = open(config_without_demo(config)).await?;
            transfer::export(&app, args).await
        }
        Command::User { command: UserCommand::Add(args) } => {
            logging::init(&config, true);
            let app = open(config).await?;
            let password = read_password_from_stdin()?;
            let (user, generated) = app
                .add_user(NewAccount { email: args.email, name: args.name, role: args.role.into(), password })
                .await?;
            println!("created {} account for {} (id {})", user.role, user.email, user.id);
            if let Some(password) = generated {
                println!("password (shown once, store it now):");
                println!("{password}");
            }
            Ok(())
        }
        Command::Token { command: TokenCommand::Create(args) } => {
            logging::init(&config, true);
            let app = open(config).await?;
            let made = app.create_api_token(&args.user, &args.name).await?;
            println!(
                "created token {:?} (id {}) for {} (shown once, store it now):",
                made.token.name, made.token.id, args.user
            );
            println!("{}", made.secret);
            Ok(())
        }
    }
}

fn config_without_demo(mut config: Config) -> Config {
    config.demo = false;
    config
}

async fn open(config: Config) -> Result<App, Failure> {
    App::open(config).await.map_err(|e| match e {
        quire_app::Error::Store(store) => Failure::runtime(format!("cannot open the database: {store}")),
        other => Failure::from(other),
    })
}

/// A password piped on stdin (first line), or `None` on a terminal so one is generated.
fn read_password_from_stdin() -> Result<Option<String>, Failure> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(None);
    }
    let mut input = String::new();
    stdin
        .take(4096)
        .read_to_string(&mut input)
        .map_err(|e| Failure::usage(format!("cannot read the password from stdin: {e}")))?;
    let password = input.lines().next().unwrap_or_default().to_string();
    Ok(Some(password).filter(|p| !p.is_empty()))
}

async fn serve(config: Config) -> Result<(), Failure> {
    logging::init(&config, false);
    let bind = config.bind;
    let grace = Duration::from_secs(config.shutdown_grace_seconds);
    // Bind before opening the site, so a taken port fails fast and plainly.
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::AddrInUse => " (another program is using that port; choose another with --bind)",
            std::io::ErrorKind::PermissionDenied => {
                " (ports below 1024 need extra privileges; choose another with --bind)"
            }
            _ => "",
        };
        Failure::runtime(format!("cannot listen on {bind}: {e}{hint}"))
    })?;
    let app = open(config).await?;
    let watcher = app.spawn_version_watch(Duration::from_secs(1));
    let workers = app.spawn_workers();
    let state =
        quire_web::WebState::new(app.clone()).map_err(|e| Failure::runtime(format!("cannot load the theme: {e}")))?;
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| bind.to_string());
    tracing::info!(address = %address, site = %app.config().site_url(), "Quire is serving");
    announce_setup(&app).await?;
    if std::io::stderr().is_terminal() {
        eprintln!("Quire is serving {} at http://{address}/", app.settings().await.title);
    }
    quire_web::serve(state, listener, shutdown_signal(), grace)
        .await
        .map_err(|e| Failure::runtime(format!("server failed: {e}")))?;
    watcher.abort();
    // The mail worker finishes the mail in hand (bounded by the SMTP timeout) before the store closes.
    workers.stop(grace).await;
    app.store().close().await;
    tracing::info!("stopped");
    Ok(())
}

/// While no account can sign in, prints the one-time set-up link (in the log, and on a terminal).
async fn announce_setup(app: &App) -> Result<(), Failure> {
    let url = app.setup_url().await.map_err(|e| Failure::runtime(format!("cannot check for accounts: {e}")))?;
    if let Some(url) = url {
        tracing::info!(setup_url = %url, "no account can sign in yet: open the set-up link to create the first admin");
        if std::io::stderr().is_terminal() {
            eprintln!("No account can sign in yet. Create the first admin at {url}");
        }
    }
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
