//! The command line as DESIGN.md §3 describes it. `--data-dir`, `--database-url` and `--config` are
//! global, so every subcommand works on the same site `serve` would.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use quire_app::ConfigOverrides;
use quire_core::Role;

/// Quire: a self-hosted blog with first-class reader comments.
#[derive(Debug, Parser)]
#[command(name = "quire", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Directory holding the database, media and theme overrides.
    #[arg(long, global = true, env = "QUIRE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://FILE (default <data-dir>/quire.db) or postgres://…
    #[arg(long, global = true, env = "QUIRE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Configuration file (default <data-dir>/quire.toml when it exists).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Serve the site (creating, migrating and loading the demo site on first run).
    Serve(ServeArgs),
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Show or change site settings (what the admin's settings screens change).
    Settings {
        /// The settings command.
        #[command(subcommand)]
        command: SettingsCommand,
    },
    /// Manage staff accounts.
    User {
        /// The user command.
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage application tokens of the JSON API.
    Token {
        /// The token command.
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Import a site: a WordPress export, a Ghost export or a Quire archive. Importing the same
    /// file again creates nothing new, and an interrupted import resumes.
    Import {
        /// What to import.
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export the whole site: a Quire archive (JSON of everything, Markdown per post, media
    /// files) or a WordPress export (WXR) that WordPress's importer reads.
    Export(ExportArgs),
    /// Copy the whole site into another database (SQLite to PostgreSQL or back): accounts,
    /// posts, comments, settings and keys, row for row. The target must hold no site yet.
    Copy(CopyArgs),
    /// Back up the site into a new directory while it keeps serving: SQLite gets a consistent
    /// snapshot (quire.db) plus the media, themes and quire.toml, so OUT is a data directory of its
    /// own; PostgreSQL gets the pg_dump command to run (or, with --run, runs it).
    Backup(BackupArgs),
}

/// Options of `quire backup`.
#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// A new (or empty) directory to write the backup into.
    pub out: PathBuf,
    /// PostgreSQL: run pg_dump into OUT/quire.pgdump instead of printing the command.
    #[arg(long)]
    pub run: bool,
    /// The pg_dump program to run [default: pg_dump on PATH].
    #[arg(long, env = "QUIRE_PG_DUMP", value_name = "FILE")]
    pub pg_dump: Option<PathBuf>,
}

/// Options of `quire copy`.
#[derive(Debug, Clone, Args)]
pub struct CopyArgs {
    /// The database to read: sqlite://FILE or postgres://… [default: this site's database]
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
    /// The database to fill: created (SQLite) and migrated, refused when it already holds a site.
    #[arg(long, value_name = "URL")]
    pub to: String,
}

/// Options of `quire export`.
#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// Where to write: a directory for the Quire archive, a file for WXR.
    pub out: PathBuf,
    /// What to write.
    #[arg(long, value_enum, default_value = "quire")]
    pub format: ExportFormat,
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// Quire's archive, restored exactly by `quire import quire`.
    Quire,
    /// WordPress eXtended RSS 1.2.
    Wxr,
}

/// `quire import …`.
#[derive(Debug, Clone, Subcommand)]
pub enum ImportCommand {
    /// Import a WordPress export (WXR 1.0–1.2, Tools → Export in WordPress).
    Wordpress(ImportArgs),
    /// Import a Ghost export (JSON, Settings → Labs → Export in Ghost); `--media-dir` is a copy
    /// of Ghost's `content/images`.
    Ghost(ImportArgs),
    /// Restore a Quire archive (from `quire export`) into a fresh site.
    Quire {
        /// The archive directory.
        archive: PathBuf,
    },
}

/// Options of `quire import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The export file.
    pub file: PathBuf,
    /// Directory holding the site's media files (WordPress: a copy of `wp-content/uploads`);
    /// media not found there keep their original addresses and are listed in the report.
    #[arg(long, value_name = "DIR")]
    pub media_dir: Option<PathBuf>,
    /// Print what would be imported and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write the JSON report [default: <data-dir>/import-report.json].
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::default())
    }
}

/// Options of `quire serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "QUIRE_BIND", value_name = "ADDR")]
    pub bind: Option<SocketAddr>,
    /// Public base URL of the site, for feeds and links [default: http://<bind>].
    #[arg(long, env = "QUIRE_SITE_URL", value_name = "URL")]
    pub site_url: Option<String>,
    /// Start with an empty site instead of loading the demo on first run.
    #[arg(long)]
    pub no_demo: bool,
    /// Print the configuration in effect and exit.
    #[arg(long)]
    pub print_config: bool,
}

/// `quire settings …`.
#[derive(Debug, Clone, Subcommand)]
pub enum SettingsCommand {
    /// Print every setting, or one, as JSON.
    Show {
        /// A setting name (e.g. comment_policy); all of them when left out.
        key: Option<String>,
    },
    /// Change one setting to a JSON value; an object changes only the fields it names.
    Set {
        /// The setting name, e.g. `title` or `comment_policy`.
        key: String,
        /// A JSON value, e.g. '"My blog"', '25' or '{"min_fill_seconds": 0}'.
        value: String,
    },
}

/// `quire user …`.
#[derive(Debug, Clone, Subcommand)]
pub enum UserCommand {
    /// Create a staff account. The password is read from stdin, or generated and printed once.
    Add(UserAddArgs),
}

/// `quire token …`.
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create an application token for an account; prints the token alone on its last line.
    Create(TokenCreateArgs),
}

/// Options of `quire token create`.
#[derive(Debug, Clone, Args)]
pub struct TokenCreateArgs {
    /// Email address of the account the token acts as.
    #[arg(long)]
    pub user: String,
    /// Name of the token (which client uses it).
    #[arg(long)]
    pub name: String,
}

/// Options of `quire user add`.
#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    /// Sign-in email address.
    #[arg(long)]
    pub email: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Role of the account.
    #[arg(long, value_enum)]
    pub role: RoleArg,
}

/// Roles as the CLI spells them.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Everything.
    Admin,
    /// All content and comments.
    Editor,
    /// Own posts, publishing, uploads.
    Author,
    /// Own drafts only.
    Contributor,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Editor => Role::Editor,
            RoleArg::Author => Role::Author,
            RoleArg::Contributor => Role::Contributor,
        }
    }
}

impl Cli {
    /// The configuration overrides given by flags.
    pub fn overrides(&self, command: &Command) -> ConfigOverrides {
        let mut overrides = ConfigOverrides {
            data_dir: self.data_dir.clone(),
            database_url: self.database_url.clone(),
            ..Default::default()
        };
        if let Command::Serve(args) = command {
            overrides.bind = args.bind;
            overrides.site_url = args.site_url.clone();
            overrides.demo = args.no_demo.then_some(false);
        }
        overrides
    }
}
