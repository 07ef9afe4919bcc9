//! `quire backup OUT`: a copy of the site that can be restored, taken while it keeps serving.
//! SQLite: a consistent snapshot of the database (`VACUUM INTO`, through the store), checked,
//! then the media, theme overrides and `quire.toml`, so that OUT is a data directory of its own.
//! Media files are copied after the snapshot: files are written before the rows that name them,
//! so every file the snapshot refers to is there. PostgreSQL: `pg_dump` does the snapshot; the
//! command is printed, or run with `--run`. Restoring is described in `docs/backup.md`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use quire_app::Config;
use quire_store::{Store, check_sqlite_snapshot};

use crate::Failure;
use crate::cli::BackupArgs;

/// Name of the database snapshot inside OUT.
const SQLITE_FILE: &str = "quire.db";
/// Name of the PostgreSQL dump inside OUT.
const PG_DUMP_FILE: &str = "quire.pgdump";

/// Runs `quire backup`.
pub async fn run(config: &Config, config_file: Option<&Path>, args: BackupArgs) -> Result<(), Failure> {
    let url = config.database_url();
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let dump = PgDump::new(&url, &args.out)?;
        if !args.run {
            print!("{}", dump.instructions(&config.media_dir()));
            return Ok(());
        }
        prepare_out(&args.out)?;
        dump.run(args.pg_dump.as_deref().unwrap_or(Path::new("pg_dump"))).await?;
        let size = std::fs::metadata(&dump.file).map(|m| m.len()).unwrap_or(0);
        println!("dumped the PostgreSQL database to {} ({size} bytes)", dump.file.display());
        copy_site_files(config, config_file, &args.out)?;
        println!("restore into a new, empty database: {}", dump.restore_command("NEW_DATABASE"));
        return Ok(());
    }
    let path = sqlite_path(&url);
    if !path.is_file() {
        return Err(Failure::usage(format!("there is no SQLite database at {}", path.display())));
    }
    prepare_out(&args.out)?;
    let snapshot = args.out.join(SQLITE_FILE);
    let store = Store::connect(&url)
        .await
        .map_err(|e| Failure::runtime(format!("cannot open the database {}: {e}", path.display())))?;
    let taken = store.snapshot_into(&snapshot).await;
    store.close().await;
    taken.map_err(|e| Failure::runtime(format!("the snapshot failed: {e}")))?;
    let check = check_sqlite_snapshot(&snapshot)
        .await
        .map_err(|e| Failure::runtime(format!("cannot check the snapshot {}: {e}", snapshot.display())))?;
    if let Some(problem) = check.problems.first() {
        return Err(Failure::runtime(format!(
            "the snapshot {} failed its check ({} problems), first: {problem}",
            snapshot.display(),
            check.problems.len()
        )));
    }
    let rows: Vec<String> = check.rows.iter().map(|(table, n)| format!("{n} {table}")).collect();
    println!("snapshot of the SQLite database in {} (integrity ok): {}", snapshot.display(), rows.join(", "));
    copy_site_files(config, config_file, &args.out)?;
    println!(
        "restore: with Quire stopped, serve the copy (quire serve --data-dir {}) or copy its files over your data directory",
        args.out.display()
    );
    Ok(())
}

/// The file of a `sqlite://` URL (or a bare path).
fn sqlite_path(url: &str) -> PathBuf {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    PathBuf::from(path.split('?').next().unwrap_or(path))
}

/// OUT must be new or an empty directory: a backup never mixes with an older one.
fn prepare_out(out: &Path) -> Result<(), Failure> {
    if out.exists() {
        let empty = std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty {
            return Err(Failure::usage(format!("{} exists and is not an empty directory", out.display())));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| Failure::runtime(format!("cannot create {}: {e}", out.display())))
}

/// Copies the media, the theme overrides and the configuration file into OUT.
fn copy_site_files(config: &Config, config_file: Option<&Path>, out: &Path) -> Result<(), Failure> {
    let failed =
        |e: std::io::Error| Failure::runtime(format!("cannot copy the site's files into {}: {e}", out.display()));
    let media = copy_tree(&config.media_dir(), &out.join("media")).map_err(failed)?;
    let themes = copy_tree(&config.data_dir.join("themes"), &out.join("themes")).map_err(failed)?;
    let default_file = config.data_dir.join("quire.toml");
    let file = config_file.unwrap_or(&default_file);
    let mut said = format!("copied {media} media files and {themes} theme files");
    if file.is_file() {
        std::fs::copy(file, out.join("quire.toml")).map_err(failed)?;
        said.push_str(&format!(", and {} as quire.toml", file.display()));
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if text.lines().any(|l| l.trim_start().starts_with("database_url")) {
            said.push_str(" (it names a database_url: give --database-url when restoring from the copy)");
        }
    }
    println!("{said}");
    Ok(())
}

/// Copies the directory tree `from` into `to`, files and directories only (a link is not
/// followed); the number of files copied. A missing `from` copies nothing.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<u64> {
    if !from.is_dir() {
        return Ok(0);
    }
    std::fs::create_dir_all(to)?;
    let mut files = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            files += copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target)?;
            files += 1;
        }
    }
    Ok(files)
}

/// A `pg_dump` of the site's database into OUT: the URL without its password (which goes in
/// `PGPASSWORD`, so it shows neither on screen nor in the process list).
struct PgDump {
    url: String,
    password: Option<String>,
    file: PathBuf,
    out: PathBuf,
}

impl PgDump {
    fn new(database_url: &str, out: &Path) -> Result<PgDump, Failure> {
        let mut url = url::Url::parse(database_url)
            .map_err(|e| Failure::usage(format!("the database URL cannot be read: {e}")))?;
        let password = url.password().map(percent_decode);
        let _ = url.set_password(None);
        Ok(PgDump { url: url.to_string(), password, file: out.join(PG_DUMP_FILE), out: out.to_path_buf() })
    }

    fn arguments(&self) -> Vec<String> {
        vec!["--format=custom".into(), format!("--file={}", self.file.display()), format!("--dbname={}", self.url)]
    }

    /// The restore command, into the database called `database` on the same server.
    fn restore_command(&self, database: &str) -> String {
        let mut target = url::Url::parse(&self.url).ok();
        if let Some(t) = target.as_mut() {
            t.set_path(database);
        }
        let target = target.map(|t| t.to_string()).unwrap_or_else(|| self.url.clone());
        format!(
            "pg_restore --no-owner --no-privileges {} {}",
            quote(&format!("--dbname={target}")),
            quote(&self.file.display().to_string())
        )
    }

    /// What to run by hand, one command a line.
    fn instructions(&self, media_dir: &Path) -> String {
        let mut text = String::from(
            "PostgreSQL is backed up with pg_dump: one consistent snapshot, taken while Quire keeps serving. Run:\n",
        );
        let dump: Vec<String> = self.arguments().iter().map(|a| quote(a)).collect();
        text.push_str(&format!("mkdir -p {} && pg_dump {}\n", quote(&self.out.display().to_string()), dump.join(" ")));
        if self.password.is_some() {
            text.push_str("(the password of the database URL is left out: give it as PGPASSWORD=… or in ~/.pgpass)\n");
        }
        if media_dir.is_dir() {
            text.push_str("and copy the media files, which live beside the database, not in it:\n");
            text.push_str(&format!(
                "cp -R {} {}\n",
                quote(&media_dir.display().to_string()),
                quote(&self.out.join("media").display().to_string())
            ));
        }
        text.push_str("To restore, create an empty database (createdb NEW_DATABASE) and run:\n");
        text.push_str(&format!("{}\n", self.restore_command("NEW_DATABASE")));
        text.push_str(&format!(
            "Or let Quire run pg_dump now: quire backup --run {}\n",
            quote(&self.out.display().to_string())
        ));
        text
    }

    async fn run(&self, program: &Path) -> Result<(), Failure> {
        let mut command = tokio::process::Command::new(program);
        command.args(self.arguments()).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        if let Some(password) = &self.password {
            command.env("PGPASSWORD", password);
        }
        let output = command.output().await.map_err(|e| {
            Failure::runtime(format!(
                "cannot run {}: {e} (install PostgreSQL's client programs, or pass --pg-dump FILE)",
                program.display()
            ))
        })?;
        if output.status.success() {
            return Ok(());
        }
        let said = String::from_utf8_lossy(&output.stderr);
        let last = said.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message");
        Err(Failure::runtime(format!("pg_dump failed ({}): {last}", output.status)))
    }
}

/// `s` quoted for a POSIX shell.
fn quote(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:@%+,".contains(&b)) {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// `%XX` escapes of a URL part decoded (a password may hold any character).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_printed_command() {
        let dump = PgDump::new("postgres://quire:s%40cr%20t@db.example:5432/blog", Path::new("/backups/b 1"))
            .unwrap_or_else(|_| unreachable!());
        assert_eq!(dump.password.as_deref(), Some("s@cr t"));
        let said = dump.instructions(Path::new("/nowhere"));
        assert!(!said.contains("s%40cr"), "{said}");
        assert!(said.contains("pg_dump --format=custom '--file=/backups/b 1/quire.pgdump' --dbname=postgres://quire@db.example:5432/blog"), "{said}");
        assert!(said.contains("--dbname=postgres://quire@db.example:5432/NEW_DATABASE"), "{said}");
    }

    #[test]
    fn shell_quoting_survives_quotes() {
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("plain/path"), "plain/path");
        assert_eq!(quote(""), "''");
    }
}
